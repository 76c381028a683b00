"""``python -m bot`` runs the briefbot command line."""

from bot.cli import main

main()
