"""Chat adapters: Slack, Teams and the terminal."""
