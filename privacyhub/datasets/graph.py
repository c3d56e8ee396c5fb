"""The reference graph of one system: collections, their fields and the edges between rows.

Ownership semantics (docs/fulfilment.md): an edge is held by the field that stores the
pointer. A ``from`` edge makes the holder's rows children of the target's rows (owned when
the target row is owned); a ``to`` edge makes the target's rows referenced by the holder
(exported, erased only with ``owns: true``). A reflected foreign key acts as ``from`` (and
lets owned holders reference their targets), except a self-reference, which acts as ``to``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EdgeKind = Literal["from", "to", "fk"]
ERASURE_ACTIONS = ("delete", "mask", "retain")
MASK_STRATEGIES = ("null", "fixed", "hash", "random")
DEFAULT_MASK_TEXT = "[erased]"


@dataclass
class FieldSpec:
    """One column as the annotation (or reflection) describes it."""

    name: str
    categories: tuple[str, ...] = ()
    identity: str | None = None
    primary_key: bool = False
    nullable: bool = True
    mask: str | None = None
    mask_value: str | None = None
    provided: bool | None = None

    @property
    def is_personal(self) -> bool:
        """Holds personal data: one of its categories is under ``user``."""
        return any(c == "user" or c.startswith("user.") for c in self.categories)


@dataclass
class CollectionSpec:
    """One table: its fields, primary key and what erasure does to the subject's rows."""

    name: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    erasure: str = "delete"
    retain_for: str | None = None
    retain_from: str | None = None
    legal_basis: str | None = None
    provided: bool | None = None
    annotated: bool = True

    @property
    def personal_fields(self) -> list[FieldSpec]:
        """Fields holding personal data, in name order."""
        return [f for f in self.fields.values() if f.is_personal]

    @property
    def has_personal_data(self) -> bool:
        """Referenced rows without any ``user.*`` field are never erased."""
        return bool(self.personal_fields)

    def categories(self) -> set[str]:
        """Every data category any field of the collection carries."""
        return {c for f in self.fields.values() for c in f.categories}


@dataclass(frozen=True)
class Reference:
    """A pointer stored in ``holder.holder_field`` naming ``target.target_field``."""

    holder: str
    holder_field: str
    target: str
    target_field: str
    kind: EdgeKind
    owns: bool = False

    @property
    def makes_children(self) -> bool:
        """Holder rows pointing at owned target rows are owned (orders of a customer)."""
        return self.kind == "from" or (self.kind == "fk" and self.holder != self.target)

    @property
    def makes_referenced(self) -> bool:
        """Target rows that owned holder rows point at are referenced (an address, a product)."""
        return self.kind in ("to", "fk")


@dataclass
class DatasetGraph:
    """Everything the planner needs about one system's data."""

    key: str
    collections: dict[str, CollectionSpec]
    references: list[Reference]

    def identity_fields(self) -> list[tuple[str, str, str]]:
        """(collection, field, identity type) for every field an identity matches."""
        return [(c.name, f.name, f.identity) for c in self.collections.values()
                for f in c.fields.values() if f.identity]

    def child_edges(self, target: str) -> list[Reference]:
        """Edges along which owned rows of ``target`` make owned children."""
        return [r for r in self.references if r.target == target and r.makes_children]

    def referencing_edges(self, holder: str) -> list[Reference]:
        """Edges along which rows of ``holder`` reference rows elsewhere."""
        return [r for r in self.references if r.holder == holder and r.makes_referenced]

    def pointers_into(self, target: str) -> list[Reference]:
        """Every edge whose pointer names a row of ``target`` (for integrity and sharing)."""
        return [r for r in self.references if r.target == target]

    def pointer_fields(self, collection: str) -> set[str]:
        """Fields of ``collection`` that hold pointers: never masked, so links stay intact."""
        return {r.holder_field for r in self.references if r.holder == collection}
