"""Portal pages: a thin shell over ``privacyhub.dsr``."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from privacyhub.crypto import keyring
from privacyhub.dsr.actors import SUBJECT
from privacyhub.dsr.deadlines import deadline_state
from privacyhub.dsr.identities import normalise
from privacyhub.dsr.intake import RequestDraft, file_request
from privacyhub.dsr.labels import DENIAL_LABELS, STATUS_LABELS, TYPE_HINTS, TYPE_LABELS, TYPE_TITLES
from privacyhub.dsr.lifecycle import can_transition, cancel
from privacyhub.dsr.links import request_for_status_token, status_token
from privacyhub.dsr.verification import Outcome, verify_request
from privacyhub.errors import ValidationFailed
from privacyhub.extensions import db, limiter
from privacyhub.models.types import utcnow
from privacyhub.portal.forms import CancelForm, ConfirmForm, RequestForm

bp = Blueprint("portal", __name__, url_prefix="/privacy", template_folder="templates")
limiter.limit("120 per minute")(bp)


def per_email_key() -> str:
    """Rate-limit key for filing: the keyed hash of the address, so it is never stored in clear."""
    try:
        email = normalise("email", request.form.get("email", ""))
    except ValidationFailed:
        email = "invalid"
    return "portal-email:" + keyring().pseudonym("rate-limit:" + email)[:32]


@bp.context_processor
def labels() -> dict[str, object]:
    return {"TYPE_TITLES": TYPE_TITLES, "TYPE_LABELS": TYPE_LABELS, "STATUS_LABELS": STATUS_LABELS,
            "DENIAL_LABELS": DENIAL_LABELS, "TYPE_HINTS": TYPE_HINTS}


@bp.route("/", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=per_email_key)
def new_request() -> ResponseReturnValue:
    """Form to file a request; any valid submission leads to the same 'check your inbox' page."""
    form = RequestForm()
    if form.validate_on_submit():
        draft = RequestDraft(type=form.type.data, identities=[("email", form.email.data)],
                             corrections=form.correction_list() if form.type.data == "rectification" else [])
        file_request(draft, channel="portal", source="portal", actor=SUBJECT)
        db.session.commit()
        return redirect(url_for("portal.sent"), code=303)
    return render_template("portal/new_request.html", form=form), 400 if form.errors else 200


@bp.get("/sent")
def sent() -> ResponseReturnValue:
    """The same answer for every address, known or not."""
    return render_template("portal/sent.html")


@bp.route("/verify/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def verify(token: str) -> ResponseReturnValue:
    """Opening the link shows a button; pressing it confirms the request."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("portal/verify.html", form=form)
    outcome, subject_request = verify_request(token)
    db.session.commit()
    if outcome is Outcome.VERIFIED and subject_request is not None:
        return redirect(url_for("portal.status", token=status_token(subject_request)), code=303)
    if outcome is Outcome.USED and subject_request is not None:
        return redirect(url_for("portal.status", token=status_token(subject_request)), code=303)
    return render_template("portal/verify_failed.html", outcome=outcome.value), 400


@bp.get("/status/<token>")
def status(token: str) -> ResponseReturnValue:
    """The private status page the mails link to."""
    subject_request = request_for_status_token(token)
    if subject_request is None:
        abort(404)
    return render_template(
        "portal/status.html", req=subject_request, token=token, now=utcnow(), cancel_form=CancelForm(),
        state=deadline_state(subject_request, utcnow()),
        can_cancel=can_transition(subject_request.status, "cancelled"),
    )


@bp.post("/status/<token>/cancel")
def cancel_own(token: str) -> ResponseReturnValue:
    """The subject withdraws the request while it has not started."""
    subject_request = request_for_status_token(token)
    if subject_request is None:
        abort(404)
    if CancelForm().validate_on_submit() and can_transition(subject_request.status, "cancelled"):
        cancel(subject_request, SUBJECT, "withdrawn by the data subject")
        db.session.commit()
    return redirect(url_for("portal.status", token=token), code=303)
