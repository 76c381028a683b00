"""Slack adapter: pure Block Kit renderers and mrkdwn escaping (bolt app and sender to come)."""
