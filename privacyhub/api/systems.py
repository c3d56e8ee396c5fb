"""``/v1/systems``: register product data systems, test them and preview plans (scope ``admin``)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_openapi3 import Tag

from privacyhub.api import BEARER, api_blueprint
from privacyhub.auth.api_keys import require_scope
from privacyhub.extensions import db
from privacyhub.systems.base import SubjectJob
from privacyhub.systems.catalogue import (
    RegisterSystem,
    get_system,
    list_systems,
    preview_plan,
    remove_system,
    test_system,
)
from privacyhub.systems.schemas import (
    PlanPreview,
    PlanPreviewBody,
    SystemCreate,
    SystemList,
    SystemOut,
    SystemPath,
    TestResult,
    system_out,
)

bp = api_blueprint("systems")
TAG = [Tag(name="systems", description="Product data systems requests are fulfilled against")]


def key_actor() -> dict[str, Any]:
    """The calling API key as an audit actor."""
    return {"type": "api_key", "id": str(g.api_key.id), "name": g.api_key.name}


def _register(body: SystemCreate, replace: bool) -> dict[str, Any]:
    system = RegisterSystem(name=body.name, kind=body.kind, config=body.config(), actor=key_actor(),
                            dataset_yaml=body.dataset, description=body.description, replace=replace).run()
    db.session.commit()
    return system_out(system)


@bp.post("/systems", tags=TAG, security=BEARER, responses={201: SystemOut})
@require_scope("admin")
def create_system(body: SystemCreate):
    """Register a system. Its settings are encrypted at rest; an annotation with errors is refused (422)
    with each problem's path, after being checked against the live database."""
    return _register(body, replace=False), 201


@bp.put("/systems/<name>", tags=TAG, security=BEARER, responses={200: SystemOut})
@require_scope("admin")
def replace_system(path: SystemPath, body: SystemCreate):
    """Replace a system's settings and annotation (the name in the body must match)."""
    get_system(path.name)
    body.name = path.name
    return _register(body, replace=True)


@bp.get("/systems", tags=TAG, security=BEARER, responses={200: SystemList})
@require_scope("admin")
def list_all_systems():
    """Every registered system."""
    return {"systems": [system_out(s) for s in list_systems()]}


@bp.get("/systems/<name>", tags=TAG, security=BEARER, responses={200: SystemOut})
@require_scope("admin")
def show_system(path: SystemPath):
    """One system (without its secrets)."""
    return system_out(get_system(path.name))


@bp.delete("/systems/<name>", tags=TAG, security=BEARER, responses={204: None})
@require_scope("admin")
def delete_system(path: SystemPath):
    """Unregister a system."""
    remove_system(get_system(path.name), key_actor())
    db.session.commit()
    return "", 204


@bp.post("/systems/<name>/test", tags=TAG, security=BEARER, responses={200: TestResult})
@require_scope("admin")
def test_one_system(path: SystemPath):
    """Connect to the system now; 502 problem with the reason when it cannot be reached."""
    system = get_system(path.name)
    try:
        result = test_system(system, key_actor())
    finally:
        db.session.commit()  # the attempt is audited either way
    return result


@bp.post("/systems/<name>/plan", tags=TAG, security=BEARER, responses={200: PlanPreview})
@require_scope("admin")
def preview_system_plan(path: SystemPath, body: PlanPreviewBody):
    """What a request for this subject would find and do in the system, per collection; changes nothing."""
    job = SubjectJob(request_type=body.type, identities=body.identity_map(), corrections=body.corrections)
    preview = preview_plan(get_system(path.name), job, key_actor())
    db.session.commit()
    return preview
