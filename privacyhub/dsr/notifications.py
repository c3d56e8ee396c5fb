"""What the data subject (and a request's owner) is told, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from privacyhub.dsr.identities import identity_value
from privacyhub.dsr.labels import DENIAL_LABELS, STATUS_LABELS, TYPE_LABELS
from privacyhub.dsr.links import absolute_url, status_url, verify_url
from privacyhub.mail import queue_mail
from privacyhub.models import SubjectRequest

# Status -> the message the subject gets on entering it.
STATUS_MAILS = {"pending": "received", "completed": "completed", "denied": "denied", "cancelled": "cancelled"}


def _day(moment: datetime | None) -> str:
    return moment.strftime("%d %B %Y") if moment else "-"


def mail_context(request: SubjectRequest, **extra: Any) -> dict[str, Any]:
    """What every template may show about a request (nothing about other requests or people)."""
    return {
        "request": {
            "id": request.id,
            "type_label": TYPE_LABELS[request.type],
            "status_label": STATUS_LABELS[request.status],
            "due": _day(request.due_at),
            "extended_due": _day(request.extended_due_at),
            "effective_due": _day(request.effective_due_at),
            "extension_reason": request.extension_reason,
            "denial_reason_label": DENIAL_LABELS.get(request.denial_reason or "", request.denial_reason),
            "denial_detail": request.denial_detail,
            "cancel_reason": extra.pop("cancel_reason", None),
        },
        "status_url": status_url(request),
        "results_url": request.results_url,
        **extra,
    }


def tell_subject(request: SubjectRequest, template: str, **extra: Any) -> bool:
    """Queue ``template`` to the subject's e-mail address; False when the request has none."""
    email = identity_value(request, "email")
    if not email:
        return False
    queue_mail(email, template, mail_context(request, **extra), request=request)
    return True


def send_verification(request: SubjectRequest, token: str) -> bool:
    """The verify-your-request message with its one-time link."""
    expiry_days = current_app.extensions["privacyhub.settings"].unverified_expiry_days
    return tell_subject(request, "verify", verify_url=verify_url(token), expiry_days=expiry_days)


def tell_subject_about_status(request: SubjectRequest, reason: str | None = None) -> None:
    """The message that goes with the request's new status, if any."""
    template = STATUS_MAILS.get(request.status)
    if template == "cancelled":
        tell_subject(request, template, cancel_reason=reason)
    elif template:
        tell_subject(request, template)


def remind_owner(request: SubjectRequest, recipient: str, days_left: int) -> None:
    """The deadline reminder to whoever handles the request."""
    context = mail_context(request, days_left=days_left,
                           console_url=absolute_url(f"/admin/requests/{request.id}"))
    context["status_url"] = None
    queue_mail(recipient, "reminder", context, request=request)
