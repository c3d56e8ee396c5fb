"""Rendering a message's subject, plain-text and HTML bodies from its templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

SUBJECTS = {
    "verify": "Confirm your privacy request",
    "received": "We have received your privacy request",
    "extended": "More time is needed for your privacy request",
    "completed": "Your privacy request is complete",
    "denied": "Your privacy request could not be fulfilled",
    "cancelled": "Your privacy request was cancelled",
    "reminder": "Privacy request deadline approaching",
    "incident_escalation": "Personal data breach: 72-hour notification deadline",
    "hold_expiring": "Legal hold about to expire",
}

_env = Environment(
    loader=PackageLoader("privacyhub.mail", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render_mail(template: str, context: dict[str, Any]) -> RenderedMail:
    """The three parts of message ``template``; a missing context value is an error, not a blank."""
    if template not in SUBJECTS:
        raise ValueError(f"unknown mail template {template!r}")
    return RenderedMail(
        subject=SUBJECTS[template],
        text=_env.get_template(f"{template}.txt").render(context),
        html=_env.get_template(f"{template}.html").render(context),
    )
