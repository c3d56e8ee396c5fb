"""What an incident's data and subjects are described in: the fideslang taxonomy.

Data categories are fideslang's ``data_category`` keys (the same ones dataset annotations
use), plus two Art. 9 categories fideslang has no key for. Subject categories are
fideslang's ``data_subject`` keys plus the groups breach forms ask about separately.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from privacyhub.errors import ValidationFailed

EXTRA_DATA_CATEGORIES = {
    "user.demographic.trade_union_membership": "Trade Union Membership",
    "user.demographic.philosophical_belief": "Philosophical Belief",
}
EXTRA_SUBJECT_CATEGORIES = {
    "child": "Child",
    "vulnerable_adult": "Vulnerable Adult",
    "user": "User",
    "other": "Other",
}
# Art. 9(1) GDPR: racial or ethnic origin, political opinions, religious or philosophical
# beliefs, trade union membership, genetic, biometric (for identification), health, sex life
# or sexual orientation. A key matches its own subtree.
SPECIAL_CATEGORY_ROOTS = (
    "user.biometric",
    "user.authorization.biometric",
    "user.health_and_medical",
    "user.demographic.political_opinion",
    "user.demographic.race_ethnicity",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.demographic.trade_union_membership",
    "user.demographic.philosophical_belief",
)
# Art. 10 GDPR: personal data relating to criminal convictions and offences.
CRIMINAL_ROOTS = ("user.criminal_history",)


@cache
def data_categories() -> dict[str, str]:
    """Every data category key with its label, in taxonomy order."""
    known = {c.fides_key: c.name or c.fides_key for c in DEFAULT_TAXONOMY.data_category}
    return known | EXTRA_DATA_CATEGORIES


@cache
def subject_categories() -> dict[str, str]:
    """Every subject category key with its label."""
    known = {c.fides_key: c.name or c.fides_key for c in DEFAULT_TAXONOMY.data_subject}
    return known | EXTRA_SUBJECT_CATEGORIES


def _under(key: str, roots: Iterable[str]) -> bool:
    return any(key == root or key.startswith(root + ".") for root in roots)


def special_categories(keys: Iterable[str]) -> list[str]:
    """The keys among ``keys`` that are Art. 9 special categories."""
    return [key for key in keys if _under(key, SPECIAL_CATEGORY_ROOTS)]


def criminal_categories(keys: Iterable[str]) -> list[str]:
    """The keys among ``keys`` that are Art. 10 criminal-offence data."""
    return [key for key in keys if _under(key, CRIMINAL_ROOTS)]


def check_keys(keys: Iterable[str], vocabulary: dict[str, str], what: str) -> list[str]:
    """``keys`` de-duplicated in order; any key outside the vocabulary is a 422 naming it."""
    cleaned = list(dict.fromkeys(k.strip() for k in keys if k and k.strip()))
    unknown = [k for k in cleaned if k not in vocabulary]
    if unknown:
        raise ValidationFailed(f"unknown {what}: {', '.join(unknown)}", field=what.replace(" ", "_"))
    return cleaned


def labels(keys: Iterable[str], vocabulary: dict[str, str]) -> list[str]:
    """Human labels for keys, the key itself where it has none."""
    return [vocabulary.get(key, key) for key in keys]
