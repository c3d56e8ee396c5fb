"""Connectors to product data systems, one class per kind, found through a registry.

Each connector declares a ``configuration_schema`` (validated on registration, stored
sealed), can ``test_connection`` and ``fulfil`` one job. ``connector_for(system)`` opens a
registered system with its settings unsealed.
"""

from __future__ import annotations

from privacyhub.systems.base import Connector, SystemUnavailable

CONNECTORS: dict[str, type[Connector]] = {}


def register_connector(cls: type[Connector]) -> type[Connector]:
    """Class decorator: make a connector kind available."""
    CONNECTORS[cls.kind] = cls
    return cls


def connector_class(kind: str) -> type[Connector]:
    """The connector for ``kind``; importing the built-in kinds on first use."""
    from privacyhub.systems import http, sql  # noqa: F401  (they register themselves)

    try:
        return CONNECTORS[kind]
    except KeyError:
        raise ValueError(f"unknown system kind {kind!r}") from None


__all__ = ["CONNECTORS", "Connector", "SystemUnavailable", "connector_class", "register_connector"]
