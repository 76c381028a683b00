"""Use cases: collect, analyze, digest, ask. They speak to the world only through bot.ports."""
