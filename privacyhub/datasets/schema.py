"""The live shape of a product database, and the graph built from it and the annotation.

Registration checks the annotation against the database (every annotated collection and
field must exist); tables the annotation leaves out are described by reflection: their
foreign keys become edges and the system's ``identity_columns`` setting names identities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from privacyhub.datasets.annotation import AnnotationInvalid, ParsedDataset
from privacyhub.datasets.graph import CollectionSpec, DatasetGraph, FieldSpec, Reference


@dataclass
class TableShape:
    """Columns (name -> nullable), primary key and foreign keys of one table."""

    name: str
    columns: dict[str, bool]
    primary_key: tuple[str, ...]
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (column, table, column)


def reflect_tables(engine: Engine, schema: str | None = None) -> dict[str, TableShape]:
    """Every table of the database with what the graph needs from it."""
    inspector = inspect(engine)
    tables = {}
    for name in inspector.get_table_names(schema=schema):
        columns = {c["name"]: bool(c.get("nullable", True)) for c in inspector.get_columns(name, schema=schema)}
        pk = tuple(inspector.get_pk_constraint(name, schema=schema).get("constrained_columns") or ())
        fks = [(col, fk["referred_table"], ref_col)
               for fk in inspector.get_foreign_keys(name, schema=schema)
               for col, ref_col in zip(fk["constrained_columns"], fk["referred_columns"], strict=False)]
        tables[name] = TableShape(name, columns, pk, fks)
    return tables


def _error(key: str, path: str, message: str) -> dict[str, str]:
    return {"path": f"{key}.{path}", "message": message}


def _check_against_tables(parsed: ParsedDataset, tables: dict[str, TableShape]) -> list[dict[str, str]]:
    errors = []
    for spec in parsed.collections.values():
        shape = tables.get(spec.name)
        if shape is None:
            errors.append(_error(parsed.key, f"collections[{spec.name}]",
                                 f"unknown collection: the database has no table '{spec.name}'"))
            continue
        for name in spec.fields:
            if name not in shape.columns:
                errors.append(_error(parsed.key, f"collections[{spec.name}].fields[{name}]",
                                     f"unknown field: table '{spec.name}' has no column '{name}'"))
        if not spec.primary_key and not shape.primary_key:
            errors.append(_error(parsed.key, f"collections[{spec.name}]",
                                 "no primary key: mark one with fides_meta.primary_key"))
    return errors


def _reflected_collection(shape: TableShape, identities: dict[str, str]) -> CollectionSpec:
    spec = CollectionSpec(name=shape.name, primary_key=shape.primary_key, annotated=False)
    for column, nullable in shape.columns.items():
        identity = identities.get(f"{shape.name}.{column}")
        spec.fields[column] = FieldSpec(name=column, identity=identity, nullable=nullable,
                                        primary_key=column in shape.primary_key,
                                        categories=("user.unique_id",) if identity else ())
    return spec


def build_graph(parsed: ParsedDataset | None, tables: dict[str, TableShape],
                identity_columns: dict[str, str] | None = None, key: str = "reflected") -> DatasetGraph:
    """The graph of a system: annotated collections as written, the rest reflected.

    Raises ``AnnotationInvalid`` when the annotation names what the database lacks, or an
    ``identity_columns`` entry names an unknown column.
    """
    identities = dict(identity_columns or {})
    errors = _check_against_tables(parsed, tables) if parsed else []
    for qualified in identities:
        table, _, column = qualified.partition(".")
        if table not in tables or column not in tables[table].columns:
            errors.append({"path": f"identity_columns.{qualified}", "message": "unknown table or column"})
    if errors:
        raise AnnotationInvalid("the dataset annotation does not match the database", errors=errors)
    collections: dict[str, CollectionSpec] = {}
    references: list[Reference] = []
    if parsed:
        for spec in parsed.collections.values():
            shape = tables[spec.name]
            for name, field_spec in spec.fields.items():
                field_spec.nullable = shape.columns[name]
            spec.primary_key = spec.primary_key or shape.primary_key
            collections[spec.name] = spec
        references.extend(parsed.references)
    for shape in tables.values():
        if shape.name in collections or not shape.primary_key:
            continue
        collections[shape.name] = _reflected_collection(shape, identities)
    for shape in tables.values():
        if shape.name not in collections or collections[shape.name].annotated:
            continue
        for column, target, target_column in shape.foreign_keys:
            if target in collections:
                references.append(Reference(shape.name, column, target, target_column,
                                            "fk" if target != shape.name else "to"))
    return DatasetGraph(key=parsed.key if parsed else key, collections=collections, references=references)
