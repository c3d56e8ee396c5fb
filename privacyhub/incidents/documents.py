"""A notification as a document: plain text, a printable HTML page and a PDF.

All three are built from the same heading, header facts and elements, so what is printed,
saved as PDF or pasted into an authority's web form says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from fpdf import FPDF
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from privacyhub.incidents import drafts
from privacyhub.localtime import format_local
from privacyhub.models import IncidentNotification

_env = Environment(loader=PackageLoader("privacyhub.incidents", "templates"),
                   autoescape=select_autoescape(default=True), undefined=StrictUndefined)
# A Unicode font when the system has one (Debian's fonts-dejavu-core); the PDF core font otherwise.
UNICODE_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


@dataclass(frozen=True)
class DocumentElement:
    title: str
    article: str
    text: str


@dataclass(frozen=True)
class NotificationDocument:
    """What every rendering of a notification shows."""

    title: str
    header: list[tuple[str, str]]
    elements: list[DocumentElement]
    draft: bool


def notification_document(notification: IncidentNotification) -> NotificationDocument:
    """The document's parts; optional elements appear only when they have text."""
    incident = notification.incident
    controller = current_app.extensions["privacyhub.settings"].controller_name
    header = [
        ("Controller", controller),
        ("To", notification.recipient),
        ("Incident", incident.reference),
        ("Became aware", format_local(incident.aware_at)),
    ]
    if notification.audience == "authority":
        header.append(("72-hour deadline", format_local(incident.notification_deadline)))
    if notification.is_sent:
        header += [("Sent", format_local(notification.sent_at)), ("Channel", notification.channel or ""),
                   ("Reference", notification.reference or "")]
    else:
        header.append(("Drafted", format_local(notification.updated_at)))
    elements = [
        DocumentElement(e.title, e.article, (notification.elements.get(e.key) or "").strip())
        for e in drafts.elements_for(notification.audience)
        if e.required or (notification.elements.get(e.key) or "").strip()
    ]
    title = drafts.document_title(notification.audience, notification.phase, incident.reference)
    return NotificationDocument(title, header, elements, draft=not notification.is_sent)


def notification_text(notification: IncidentNotification) -> str:
    """The document as plain text, e.g. to paste into a web form."""
    doc = notification_document(notification)
    lines = [doc.title, "=" * len(doc.title), ""]
    if doc.draft:
        lines += ["DRAFT: not yet sent", ""]
    lines += [f"{label}: {value}" for label, value in doc.header if value]
    for element in doc.elements:
        lines += ["", f"{element.title} ({element.article})", element.text or "[missing]"]
    return "\n".join(lines) + "\n"


def notification_html(notification: IncidentNotification) -> str:
    """A self-contained printable HTML page (every value escaped)."""
    doc = notification_document(notification)
    return _env.get_template("notification.html").render(
        title=doc.title, header=doc.header, elements=doc.elements, draft=doc.draft)


def _pdf_font(pdf: FPDF) -> bool:
    """Use a Unicode font if one is installed; True when it is."""
    for path in UNICODE_FONTS:
        if Path(path).is_file():
            pdf.add_font("DejaVu", "", path)
            bold = path.replace(".ttf", "-Bold.ttf")
            pdf.add_font("DejaVu", "B", bold if Path(bold).is_file() else path)
            return True
    return False


def notification_pdf(notification: IncidentNotification) -> bytes:
    """The document as a PDF."""
    doc = notification_document(notification)
    pdf = FPDF(format="A4")
    pdf.set_title(doc.title)
    pdf.set_creator("PrivacyHub")
    unicode_font = _pdf_font(pdf)
    family = "DejaVu" if unicode_font else "Helvetica"

    def safe(text: str) -> str:
        return text if unicode_font else text.encode("latin-1", "replace").decode("latin-1")

    def write(text: str, size: float, style: str = "", gap: float = 2) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, size * 0.55, safe(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.add_page()
    write(doc.title, 14, "B", 4)
    if doc.draft:
        write("DRAFT: not yet sent", 10, "B")
    for label, value in doc.header:
        if value:
            write(f"{label}: {value}", 10, gap=0.5)
    for element in doc.elements:
        pdf.ln(3)
        write(f"{element.title} ({element.article})", 11, "B", 1)
        write(element.text or "[missing]", 10)
    return bytes(pdf.output())
