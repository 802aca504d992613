"""The login check for a rerun of one fragment: app.py, which checks it on every run, is skipped."""

from __future__ import annotations

from lib.access import sessions
from lib.access.permissions import User
from lib.core.db import Connection
from lib.ui import auth


def still_signed_in(con: Connection, user: User) -> bool:
    """This session's login is still live and still this user's (one read by key)."""
    return sessions.user_of(con, auth.session_hash()) == user.username
