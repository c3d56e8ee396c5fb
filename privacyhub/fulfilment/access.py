"""What an access or portability export holds of the rows the subject reaches.

Access (Art. 15) gives every reachable row. Portability (Art. 20) gives only what the
subject provided: the rows the subject owns, and of those the fields carrying a personal
category (plus the primary key), unless ``privacyhub: {provided: false}`` says otherwise.
Credentials (``user.authorization.*``) never leave the system.
"""

from __future__ import annotations

from typing import Any

from privacyhub.datasets.graph import CollectionSpec, FieldSpec
from privacyhub.fulfilment.planner import SubjectRows
from privacyhub.fulfilment.rows import ordered

SECRET_CATEGORIES = ("user.authorization",)


def _secret(fld: FieldSpec) -> bool:
    return any(c == s or c.startswith(s + ".") for c in fld.categories for s in SECRET_CATEGORIES)


def _provided(spec: CollectionSpec, fld: FieldSpec) -> bool:
    if fld.primary_key:
        return True
    if fld.provided is not None:
        return fld.provided
    return spec.provided is not False and fld.is_personal


def export_records(rows: SubjectRows, request_type: str) -> dict[str, list[dict[str, Any]]]:
    """collection -> rows to export, in primary-key order."""
    records: dict[str, list[dict[str, Any]]] = {}
    for reached in rows.nonempty():
        spec = rows.graph.collections[reached.name]
        if request_type == "portability":
            keep = [name for name, fld in spec.fields.items() if _provided(spec, fld) and not _secret(fld)]
            if not any(not spec.fields[name].primary_key for name in keep):
                continue
            keys = reached.owned
        else:
            keep = [name for name, fld in spec.fields.items() if not _secret(fld)]
            keys = set(reached.rows)
        if not keys:
            continue
        records[reached.name] = [{name: reached.rows[key].get(name) for name in keep}
                                 for key in ordered(keys)]
    return records
