"""The compliance console at ``/admin/`` (Flask-Admin)."""

from __future__ import annotations

from flask import Flask


def init_admin(app: Flask) -> None:
    """Mount the console on the app."""
