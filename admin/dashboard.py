"""The console's home: what the hub has been logging lately."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_admin import AdminIndexView, expose

from admin.charts import hourly_bar_chart
from admin.secured import SecuredView
from privacyhub.models.types import utcnow
from privacyhub.reports.audit_volume import HOUR, counts_by_action, events_per_hour, floor_hour
from privacyhub.reports.subject_requests import request_figures

WINDOW = timedelta(days=7)


class DashboardView(SecuredView, AdminIndexView):
    """Events per hour over the last seven days, and the most frequent actions."""

    def __init__(self) -> None:
        super().__init__(name="Dashboard", endpoint="admin", url="/admin")

    @expose("/")
    def index(self) -> Any:
        until = floor_hour(utcnow()) + HOUR
        since = until - WINDOW
        chart = hourly_bar_chart(events_per_hour(since, until))
        actions = counts_by_action(since, until)
        return self.render("console/dashboard.html", chart=chart, actions=actions, since=since,
                           top_count=max((n for _, n in actions), default=1), **request_figures(utcnow()))
