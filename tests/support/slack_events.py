"""Events API bodies as Slack sends them over HTTP, for tests and benchmarks."""

from __future__ import annotations

import time
from typing import Any

TEAM_ID = "T0FAKE"
APP_ID = "A0FAKE"
BOT_USER_ID = "U0BRIEFBOT"


def event_callback(event: dict[str, Any], *, event_id: str) -> dict[str, Any]:
    """``event`` in the ``event_callback`` envelope, authorized for Briefbot's bot user."""
    return {
        "token": "unused",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }
