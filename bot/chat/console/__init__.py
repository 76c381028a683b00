"""The terminal as a chat: plain-text renderers used by the demo and --dry-run."""
