"""The Art. 33(1) clock: 72 hours of elapsed time from awareness to the authority's notification.

All arithmetic is on aware UTC instants, so the deadline is exactly 72 hours later whatever
the local clocks do in between; local time appears only when the clock is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from privacyhub.localtime import format_duration, format_local
from privacyhub.models import Incident
from privacyhub.models.types import utcnow

OVERDUE_MARK = 0


@dataclass(frozen=True)
class ClockState:
    """Where an incident stands against its deadline at one moment."""

    deadline: datetime
    time_left: timedelta
    stopped_at: datetime | None
    stopped_by: str | None

    @property
    def running(self) -> bool:
        """True until the authority is notified, non-notification is decided, or the incident closes."""
        return self.stopped_at is None

    @property
    def overdue(self) -> bool:
        """The deadline has passed (while running) or was missed (once stopped)."""
        return self.time_left <= timedelta(0)

    @property
    def label(self) -> str:
        """``41 h 12 min left``, ``overdue by 3 h 05 min``, or how the clock stopped."""
        if not self.running:
            when = "late" if self.overdue else "in time"
            return f"{self.stopped_by} {format_local(self.stopped_at)} ({when})"
        if self.overdue:
            return f"overdue by {format_duration(self.time_left)}"
        return f"{format_duration(self.time_left)} left"

    @property
    def hours_left(self) -> float:
        """Time left in hours (negative when overdue), for sorting and charts."""
        return self.time_left.total_seconds() / 3600


def clock_stop(incident: Incident) -> tuple[datetime, str] | None:
    """When and why the clock stopped, or None while it runs."""
    sent = [n.sent_at for n in incident.notifications
            if n.audience == "authority" and n.is_sent and n.sent_at is not None]
    if sent:
        return min(sent), "authority notified"
    if incident.authority_decision == "not_notify" and incident.authority_decided_at is not None:
        return incident.authority_decided_at, "decided not to notify"
    if incident.status == "closed" and incident.closed_at is not None:
        return incident.closed_at, "closed"
    return None


def incident_clock(incident: Incident, now: datetime | None = None) -> ClockState:
    """The clock of ``incident`` at ``now`` (default: the current time)."""
    stop = clock_stop(incident)
    deadline = incident.notification_deadline
    at = stop[0] if stop else (now or utcnow())
    return ClockState(deadline=deadline, time_left=deadline - at,
                      stopped_at=stop[0] if stop else None, stopped_by=stop[1] if stop else None)


def crossed_marks(clock: ClockState, marks: list[int]) -> list[int]:
    """The hours-left marks a running clock has reached, most urgent last; 0 once overdue."""
    if not clock.running:
        return []
    reached = sorted((m for m in set(marks) if m > 0 and clock.time_left <= timedelta(hours=m)), reverse=True)
    if clock.overdue:
        reached.append(OVERDUE_MARK)
    return reached


def is_late(incident: Incident, sent_at: datetime) -> bool:
    """A notification sent at ``sent_at`` misses the 72-hour deadline."""
    return sent_at > incident.notification_deadline
