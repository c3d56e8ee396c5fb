"""Reading Fides dataset YAML into our collection specs, refusing mistakes with their exact path.

fideslang validates the Fides shape (so an existing Fides file loads unchanged) and
ignores our ``privacyhub:`` mappings, which this module reads from the raw YAML beside it.
Paths name collections and fields, e.g. ``shop.collections[orders].fields[customer_id]
.fides_meta.references[0].field``, since fideslang re-sorts both lists by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from fideslang.default_taxonomy import DEFAULT_TAXONOMY
from fideslang.models import Dataset
from pydantic import ValidationError

from privacyhub.datasets.graph import (
    ERASURE_ACTIONS,
    MASK_STRATEGIES,
    CollectionSpec,
    FieldSpec,
    Reference,
)
from privacyhub.errors import ValidationFailed

RETENTION_PERIOD = re.compile(r"^(\d+)\s*([dwmy])$")
COLLECTION_KEYS = {"erasure", "retain_for", "retain_from", "legal_basis", "provided"}
FIELD_KEYS = {"mask", "mask_value", "owns", "provided"}
IDENTITY_ALIASES = {"phone_number": "phone", "email": "email", "user_id": "user_id", "phone": "phone"}


class AnnotationInvalid(ValidationFailed):
    """The dataset annotation was refused; ``errors`` lists each problem with its path."""

    title = "Invalid dataset annotation"


@dataclass
class ParsedDataset:
    """An annotation that passed every check that needs no database."""

    key: str
    collections: dict[str, CollectionSpec]
    references: list[Reference]


@lru_cache(maxsize=1)
def taxonomy_categories() -> frozenset[str]:
    """Every data category of the fideslang default taxonomy."""
    return frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category)


def _named(items: Any, index: int) -> str:
    """``[name]`` for a named list entry, ``[index]`` otherwise."""
    if isinstance(items, list) and index < len(items) and isinstance(items[index], dict) and "name" in items[index]:
        return f"[{items[index]['name']}]"
    return f"[{index}]"


def _path(prefix: str, raw: Any, loc: tuple[Any, ...]) -> str:
    """Render a pydantic error location against the raw YAML, naming list entries."""
    path, node = prefix, raw
    for part in loc:
        if isinstance(part, int):
            path += _named(node, part)
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            if part == "fides_meta" and isinstance(node, dict) and "fidesops_meta" in node:
                part = "fidesops_meta"  # fideslang renames the legacy key; name it as written
            path += f".{part}"
            node = node.get(part) if isinstance(node, dict) else None
    return path


def _load_yaml(text: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "document"
        raise AnnotationInvalid("the dataset is not valid YAML",
                                errors=[{"path": where, "message": str(getattr(exc, "problem", exc))}]) from exc
    if not isinstance(loaded, dict) or not isinstance(loaded.get("dataset"), list) or not loaded["dataset"]:
        raise AnnotationInvalid("not a Fides dataset file",
                                errors=[{"path": "dataset", "message": "expected a list under 'dataset'"}])
    if len(loaded["dataset"]) != 1:
        raise AnnotationInvalid("one dataset per system",
                                errors=[{"path": "dataset", "message": "a system is described by exactly one dataset"}])
    return loaded["dataset"][0]  # type: ignore[no-any-return]


def parse_retention(period: str) -> tuple[int, str]:
    """``"8y"`` -> (8, "y"); units d, w, m, y."""
    match = RETENTION_PERIOD.match(str(period).strip().lower())
    if not match:
        raise ValueError(f"retention period {period!r} is not like '30d', '6w', '18m' or '8y'")
    return int(match.group(1)), match.group(2)


class _Checker:
    """Collects every problem of one annotation before refusing it."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.errors: list[dict[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append({"path": f"{self.key}.{path}", "message": message})

    def categories(self, path: str, categories: list[str] | None) -> tuple[str, ...]:
        known = taxonomy_categories()
        for i, category in enumerate(categories or []):
            if category not in known:
                self.fail(f"{path}.data_categories[{i}]",
                          f"data category '{category}' is not in the fideslang taxonomy")
        return tuple(categories or ())

    def own_keys(self, path: str, raw: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
        mine = raw.get("privacyhub") or {}
        if not isinstance(mine, dict):
            self.fail(f"{path}.privacyhub", "expected a mapping")
            return {}
        for name in sorted(set(mine) - allowed):
            self.fail(f"{path}.privacyhub.{name}", f"unknown key; expected one of {', '.join(sorted(allowed))}")
        return mine


def _collection_spec(check: _Checker, path: str, raw: dict[str, Any], collection: Any) -> CollectionSpec:
    mine = check.own_keys(path, raw, COLLECTION_KEYS)
    spec = CollectionSpec(name=collection.name, erasure=str(mine.get("erasure", "delete")),
                          retain_for=mine.get("retain_for"), retain_from=mine.get("retain_from"),
                          legal_basis=mine.get("legal_basis"), provided=mine.get("provided"))
    check.categories(path, collection.data_categories)
    if spec.erasure not in ERASURE_ACTIONS:
        check.fail(f"{path}.privacyhub.erasure", f"'{spec.erasure}' is not one of {', '.join(ERASURE_ACTIONS)}")
    if spec.erasure == "retain":
        if not spec.retain_for:
            check.fail(f"{path}.privacyhub.retain_for", "erasure 'retain' needs a period such as '8y'")
        if not spec.legal_basis:
            check.fail(f"{path}.privacyhub.legal_basis", "erasure 'retain' needs the legal basis for keeping the rows")
    if spec.retain_for:
        try:
            parse_retention(spec.retain_for)
        except ValueError as exc:
            check.fail(f"{path}.privacyhub.retain_for", str(exc))
    return spec


def _field_spec(check: _Checker, path: str, raw: dict[str, Any], dataset_field: Any) -> tuple[FieldSpec, bool]:
    mine = check.own_keys(path, raw, FIELD_KEYS)
    meta = dataset_field.fides_meta
    identity = meta.identity if meta else None
    spec = FieldSpec(name=dataset_field.name, categories=check.categories(path, dataset_field.data_categories),
                     identity=IDENTITY_ALIASES.get(identity, identity) if identity else None,
                     primary_key=bool(meta and meta.primary_key), mask=mine.get("mask"),
                     mask_value=mine.get("mask_value"), provided=mine.get("provided"))
    if "mask" in mine and spec.mask is None:
        spec.mask = "null"  # YAML `mask: null` reads as None
    if spec.mask is not None and spec.mask not in MASK_STRATEGIES:
        check.fail(f"{path}.privacyhub.mask", f"'{spec.mask}' is not one of {', '.join(MASK_STRATEGIES)}")
    return spec, bool(mine.get("owns", False))


def _references(check: _Checker, dataset: Any, owns_flags: dict[tuple[str, str], bool]) -> list[Reference]:
    """Every reference, resolved and checked: same dataset, existing collection and field."""
    references = []
    fields_of = {c.name: {f.name for f in c.fields} for c in dataset.collections}
    for collection in dataset.collections:
        for dataset_field in collection.fields:
            meta = dataset_field.fides_meta
            owns = owns_flags.get((collection.name, dataset_field.name), False)
            path = f"collections[{collection.name}].fields[{dataset_field.name}]"
            declared = (meta.references if meta else None) or []
            directions = [ref.direction.value if ref.direction else "to" for ref in declared]
            for i, ref in enumerate(declared):
                ref_path = f"{path}.fides_meta.references[{i}]"
                if ref.dataset != dataset.fides_key:
                    check.fail(f"{ref_path}.dataset", f"references another dataset '{ref.dataset}'; "
                               "a system's references stay within its own dataset")
                    continue
                target, _, target_field = ref.field.partition(".")
                if target not in fields_of:
                    check.fail(f"{ref_path}.field", f"dangling reference: no collection '{target}'")
                    continue
                if not target_field or target_field not in fields_of[target]:
                    check.fail(f"{ref_path}.field",
                               f"dangling reference: collection '{target}' has no field '{target_field}'")
                    continue
                direction = directions[i]
                references.append(Reference(collection.name, dataset_field.name, target, target_field,
                                            direction, owns=owns and direction == "to"))  # type: ignore[arg-type]
            if owns and "to" not in directions:
                check.fail(f"{path}.privacyhub.owns", "'owns' is only meaningful on a field with a 'to' reference")
    return references


def parse_dataset(text: str) -> ParsedDataset:
    """Parse and check an annotation; raises ``AnnotationInvalid`` listing every problem."""
    raw = _load_yaml(text)
    prefix = str(raw.get("fides_key", "dataset[0]"))
    try:
        dataset = Dataset.model_validate(raw)
    except ValidationError as exc:
        errors = [{"path": _path(prefix, raw, tuple(e["loc"])), "message": e["msg"]}
                  for e in exc.errors(include_url=False)]
        raise AnnotationInvalid("the dataset does not match the Fides dataset format", errors=errors) from exc
    check = _Checker(dataset.fides_key)
    raw_collections = {c.get("name"): c for c in raw.get("collections") or [] if isinstance(c, dict)}
    collections: dict[str, CollectionSpec] = {}
    owns_flags: dict[tuple[str, str], bool] = {}
    for collection in dataset.collections:
        raw_collection = raw_collections.get(collection.name, {})
        path = f"collections[{collection.name}]"
        spec = _collection_spec(check, path, raw_collection, collection)
        raw_fields = {f.get("name"): f for f in raw_collection.get("fields") or [] if isinstance(f, dict)}
        for dataset_field in collection.fields:
            field_spec, owns = _field_spec(check, f"{path}.fields[{dataset_field.name}]",
                                           raw_fields.get(dataset_field.name, {}), dataset_field)
            spec.fields[field_spec.name] = field_spec
            owns_flags[(collection.name, dataset_field.name)] = owns
        spec.primary_key = tuple(f.name for f in spec.fields.values() if f.primary_key)
        if spec.retain_from and spec.retain_from not in spec.fields:
            check.fail(f"{path}.privacyhub.retain_from", f"unknown field '{spec.retain_from}'")
        collections[spec.name] = spec
    references = _references(check, dataset, owns_flags)
    if check.errors:
        raise AnnotationInvalid("the dataset annotation has errors", errors=check.errors)
    return ParsedDataset(key=dataset.fides_key, collections=collections, references=references)
