"""Local wall-clock time for people; aware UTC for everything stored and computed.

Operators think in their own zone (``PRIVACYHUB_TIMEZONE``), deadlines are elapsed time:
times are converted at the edges only, so a DST change never adds or removes an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

from privacyhub.errors import ValidationFailed


def display_zone() -> ZoneInfo:
    """The zone the console and documents show times in (UTC outside an app)."""
    name = current_app.extensions["privacyhub.settings"].timezone if has_app_context() else "UTC"
    return zone_named(name)


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is a validation error, not a crash."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"unknown time zone {name!r}") from exc


def to_local(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    """An aware instant as wall-clock time in ``zone`` (default: the display zone)."""
    return moment.astimezone(zone or display_zone())


def format_local(moment: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``2026-03-31 13:00 CEST``: local time with its abbreviation, so nobody guesses the offset."""
    if moment is None:
        return ""
    return to_local(moment, zone).strftime("%Y-%m-%d %H:%M %Z")


def parse_local(wall_time: datetime, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant of a naive wall-clock time in ``zone``; aware input is only normalised.

    A time skipped by a spring-forward change does not exist and is refused; a time that
    occurs twice in autumn is read as its first occurrence, the earlier instant, which
    gives the stricter deadline.
    """
    if wall_time.tzinfo is not None:
        return wall_time.astimezone(UTC)
    zone = zone or display_zone()
    first = wall_time.replace(tzinfo=zone, fold=0)
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != wall_time:
        raise ValidationFailed(f"{wall_time:%Y-%m-%d %H:%M} does not exist in {zone.key} (clocks went forward)")
    return first.astimezone(UTC)


def format_duration(span: timedelta) -> str:
    """``66 h 07 min`` (hours, not days: deadlines like Art. 33's are set in hours), to the minute."""
    hours, minutes = divmod(int(abs(span).total_seconds() // 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
