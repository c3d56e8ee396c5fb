"""Notification drafts written from the incident record, element by element.

The authority draft has every Art. 33(3)(a)-(d) element (with (a) in its three parts) and,
when it goes out after the 72 hours, the Art. 33(1) reasons for the delay; the subjects'
draft has the Art. 34(2) content in plain language. An element is left empty when the
record says nothing about it, so the gap is visible and blocks sending until filled.
"""

from __future__ import annotations

from dataclasses import dataclass

from privacyhub.incidents import taxonomy
from privacyhub.localtime import format_local
from privacyhub.models import Incident
from privacyhub.models.incident import ART_34_3_EXCEPTIONS


@dataclass(frozen=True)
class Element:
    """One part of a notification and the provision that requires it."""

    key: str
    article: str
    title: str
    required: bool = True


AUTHORITY_ELEMENTS = (
    Element("nature", "Art. 33(3)(a)", "Nature of the personal data breach"),
    Element("subjects_concerned", "Art. 33(3)(a)", "Categories and approximate number of data subjects concerned"),
    Element("records_concerned", "Art. 33(3)(a)",
            "Categories and approximate number of personal data records concerned"),
    Element("contact_point", "Art. 33(3)(b)", "Name and contact details of the DPO or other contact point"),
    Element("consequences", "Art. 33(3)(c)", "Likely consequences of the breach"),
    Element("measures", "Art. 33(3)(d)",
            "Measures taken or proposed to address the breach, including to mitigate its possible adverse effects"),
    Element("delay_reason", "Art. 33(1)", "Reasons for the delay (required after 72 hours)", required=False),
    Element("further_information", "Art. 33(4)", "Information still to follow", required=False),
)
SUBJECT_ELEMENTS = (
    Element("nature", "Art. 34(2)", "What happened"),
    Element("contact_point", "Art. 34(2), 33(3)(b)", "Who you can contact for more information"),
    Element("consequences", "Art. 34(2), 33(3)(c)", "What this may mean for you"),
    Element("measures", "Art. 34(2), 33(3)(d)", "What we have done and will do about it"),
    Element("advice", "Art. 34(2), 33(3)(d)", "What you can do to protect yourself", required=False),
)
PHASE_TITLES = {"initial": "Initial notification", "follow_up": "Follow-up notification",
                "final": "Final notification"}


def elements_for(audience: str) -> tuple[Element, ...]:
    """The elements a notification to ``audience`` consists of, in order."""
    return AUTHORITY_ELEMENTS if audience == "authority" else SUBJECT_ELEMENTS


def required_elements(audience: str, late: bool) -> list[str]:
    """Keys that must not be empty when the notification is sent."""
    keys = [e.key for e in elements_for(audience) if e.required]
    if audience == "authority" and late:
        keys.append("delay_reason")
    return keys


def missing_elements(audience: str, elements: dict[str, str], late: bool) -> list[str]:
    """Required element keys whose text is empty."""
    return [key for key in required_elements(audience, late) if not (elements.get(key) or "").strip()]


def approximate(low: int | None, high: int | None) -> str:
    """``about 1,200``, ``between 1,000 and 5,000``, ``at least 300`` or ``not yet known``."""
    if low is None and high is None:
        return "not yet known"
    if low is not None and high is not None:
        return f"about {low:,}" if low == high else f"between {low:,} and {high:,}"
    return f"at least {low:,}" if low is not None else f"up to {high:,}"


def _sentences(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _when(incident: Incident, aware: str = "The controller became aware of it") -> str:
    start, end = incident.occurred_from, incident.occurred_to
    if start and end and start != end:
        occurred = f"The breach occurred between {format_local(start)} and {format_local(end)}."
    elif start or end:
        occurred = f"The breach occurred on {format_local(start or end)}."
    else:
        occurred = "When the breach began is not yet known."
    return f"{occurred} {aware} on {format_local(incident.aware_at)}."


def _categories(incident: Incident) -> tuple[str, str]:
    """Data category labels, and the Art. 9/10 warning when special data is involved."""
    data = ", ".join(taxonomy.labels(incident.data_categories, taxonomy.data_categories()))
    special = taxonomy.labels(taxonomy.special_categories(incident.data_categories), taxonomy.data_categories())
    criminal = taxonomy.labels(taxonomy.criminal_categories(incident.data_categories), taxonomy.data_categories())
    flags = []
    if special:
        flags.append("special categories of personal data (Art. 9): " + ", ".join(special))
    if criminal:
        flags.append("personal data relating to criminal convictions and offences (Art. 10): " + ", ".join(criminal))
    return data, ("This includes " + "; ".join(flags) + ".") if flags else ""


def _authority(incident: Incident) -> dict[str, str]:
    nature_kinds = " and ".join(f"{n} breach" for n in incident.nature)
    nature = [incident.title.rstrip(".") + ".", incident.description, _when(incident)]
    if nature_kinds:
        nature.insert(1, f"Nature: {nature_kinds}.")
    if incident.discovery:
        nature.append(f"How it was discovered: {incident.discovery}")
    if incident.systems_affected:
        nature.append("Systems affected: " + ", ".join(incident.systems_affected) + ".")
    subjects = ", ".join(taxonomy.labels(incident.subject_categories, taxonomy.subject_categories()))
    data, flags = _categories(incident)
    measures = [f"Measures taken: {incident.measures_taken}" if incident.measures_taken else "",
                f"Measures proposed: {incident.measures_proposed}" if incident.measures_proposed else ""]
    known_subjects = bool(subjects) or incident.subjects_min is not None or incident.subjects_max is not None
    known_records = bool(data) or incident.records_min is not None or incident.records_max is not None
    return {
        "nature": "\n\n".join(p for p in nature if p),
        "subjects_concerned": _sentences(
            f"Categories of data subjects: {subjects or 'not yet known'}.",
            f"Approximate number of data subjects: {approximate(incident.subjects_min, incident.subjects_max)}.",
        ) if known_subjects else "",
        "records_concerned": _sentences(
            f"Categories of personal data: {data or 'not yet known'}.", flags,
            f"Approximate number of personal data records: {approximate(incident.records_min, incident.records_max)}.",
        ) if known_records else "",
        "contact_point": incident.contact_point,
        "consequences": incident.consequences,
        "measures": "\n\n".join(m for m in measures if m),
        "delay_reason": "",
        "further_information": "",
    }


def _subjects(incident: Incident) -> dict[str, str]:
    data, _ = _categories(incident)
    nature = [incident.title.rstrip(".") + ".", incident.description, _when(incident, "We learned of it")]
    if data:
        nature.append(f"The information concerned: {data}.")
    measures = [incident.measures_taken, incident.measures_proposed]
    if incident.subjects_decision == "exception" and incident.subjects_exception == "c":
        measures.append("We are publishing this notice because contacting everyone individually is not "
                        "possible (" + ART_34_3_EXCEPTIONS["c"].split(":")[0] + ").")
    return {
        "nature": "\n\n".join(p for p in nature if p),
        "contact_point": incident.contact_point,
        "consequences": incident.consequences,
        "measures": "\n\n".join(m for m in measures if m),
        "advice": "",
    }


def generate_elements(incident: Incident, audience: str) -> dict[str, str]:
    """Every element of a notification to ``audience``, written from the record as it is now."""
    return _authority(incident) if audience == "authority" else _subjects(incident)


def default_recipient(audience: str, authority: str) -> str:
    """Who the notification is addressed to unless the operator says otherwise."""
    return authority if audience == "authority" else "the affected data subjects"


def document_title(audience: str, phase: str, reference: str) -> str:
    """The heading of a notification document."""
    if audience == "authority":
        return f"{PHASE_TITLES.get(phase, phase)} of a personal data breach (Art. 33 GDPR), {reference}"
    return f"Important information about your personal data ({reference})"
