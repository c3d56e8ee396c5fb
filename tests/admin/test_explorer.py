"""The audit-event explorer: the API's filters, paging, and event content shown inert."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.console import csrf_token
from tests.factories import BASE_TIME, event_payload

SCRIPT = "<script>document.title='pwned'</script>"


@pytest.fixture
def posted(client, auth):
    """Twelve events: user.login / order.paid alternating, actors user-0..6, one hour apart."""
    events = [event_payload(i, action="user.login" if i % 2 else "order.paid",
                            occurred_at=(BASE_TIME + timedelta(hours=i)).isoformat()) for i in range(12)]
    assert client.post("/v1/events", json={"events": events}, headers=auth).status_code == 201
    return events


def shown_ids(response) -> list[str]:
    return re.findall(r'data-event-id="([^"]+)"', response.get_data(as_text=True))


@pytest.mark.parametrize(("query", "expected"), [
    ("", lambda e: True),
    ("action=user.login", lambda e: e["action"] == "user.login"),
    ("action=order.*", lambda e: e["action"].startswith("order.")),
    ("actor_id=user-3", lambda e: e["actor"]["id"] == "user-3"),
    ("target_id=acct-1", lambda e: e["targets"][0]["id"] == "acct-1"),
    ("subject=person2@example.com", lambda e: e["subject"] == "person2@example.com"),
    ("since=2026-01-15T15:00&until=2026-01-15T18:00", lambda e: "T15" <= e["occurred_at"][10:13] < "T18"),
])
def test_filters_match_the_api(console, posted, query, expected):
    response = console("auditor").get(f"/admin/events/?{query}")
    assert response.status_code == 200
    posted_ids = {e["id"] for e in posted}  # the hub's own events (sign-in, key creation) are there too
    assert [i for i in shown_ids(response) if i in posted_ids] == [e["id"] for e in posted if expected(e)]


def test_pages_follow_the_cursor_and_keep_the_filters(console, client, auth):
    events = [event_payload(i, action="bulk.item") for i in range(60)]
    client.post("/v1/events", json={"events": events}, headers=auth)
    explorer = console("compliance")
    first = explorer.get("/admin/events/?action=bulk.item")
    assert shown_ids(first) == [e["id"] for e in events[:50]]
    next_url = re.search(r'id="next-page" href="([^"]+)"', first.get_data(as_text=True)).group(1)
    assert "action=bulk.item" in next_url
    second = explorer.get(next_url.replace("&amp;", "&"))
    assert shown_ids(second) == [e["id"] for e in events[50:]]
    assert 'id="next-page"' not in second.get_data(as_text=True)


def test_a_bad_cursor_or_date_is_explained_not_a_crash(console):
    explorer = console("auditor")
    assert "cursor is not valid" in explorer.get("/admin/events/?cursor=bogus").get_data(as_text=True)
    assert explorer.get("/admin/events/?since=yesterday").status_code == 200


def test_event_content_is_rendered_inert(console, client, auth):
    event = event_payload(0, metadata={"note": SCRIPT}, actor={"type": "user", "id": "u1", "name": "<b>bold</b>"},
                          personal_data={"bio": "<img src=x onerror=alert(1)>"})
    client.post("/v1/events", json=event, headers=auth)
    explorer = console("auditor")
    revealed = explorer.post(f"/admin/events/{event['id']}/reveal",
                             data={"csrf_token": csrf_token(explorer)}).get_data(as_text=True)
    for html in (explorer.get("/admin/events/").get_data(as_text=True),
                 explorer.get(f"/admin/events/{event['id']}").get_data(as_text=True), revealed):
        assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
        assert SCRIPT not in html and "<b>bold</b>" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in revealed


def test_personal_data_is_withheld_until_revealed_and_the_reveal_is_recorded(console, client, auth):
    event = event_payload(1, personal_data={"email": "person1@example.com", "phone": "+49 30 1234567"})
    client.post("/v1/events", json=event, headers=auth)
    explorer = console("compliance")
    for url in (f"/admin/events/?action={event['action']}", f"/admin/events/{event['id']}"):
        html = explorer.get(url).get_data(as_text=True)
        assert "person1@example.com" not in html and "+49 30 1234567" not in html and "192.0.2.10" not in html
        assert "[withheld]" in html and "&#34;phone&#34;" in html  # which fields there are stays visible
    assert 'id="reveal-personal"' in explorer.get(f"/admin/events/{event['id']}").get_data(as_text=True)

    refused = explorer.post(f"/admin/events/{event['id']}/reveal")  # no CSRF token
    assert refused.status_code == 400
    assert viewings(client, auth, event["id"]) == []

    revealed = explorer.post(f"/admin/events/{event['id']}/reveal", data={"csrf_token": csrf_token(explorer)})
    html = revealed.get_data(as_text=True)
    assert revealed.status_code == 200 and revealed.headers["Cache-Control"] == "no-store"
    assert "person1@example.com" in html and "+49 30 1234567" in html and "192.0.2.10" in html
    [viewing] = viewings(client, auth, event["id"])
    assert viewing["actor"] == {"type": "operator", "id": str(explorer.operator.id), "name": explorer.operator.email}
    assert "person1@example.com" not in str(viewing)


def test_an_event_without_personal_data_offers_nothing_to_reveal(console, client, auth):
    event = event_payload(2, subject=None, personal_data={}, context={"location": "DE"})
    client.post("/v1/events", json=event, headers=auth)
    assert 'id="reveal-personal"' not in console("auditor").get(f"/admin/events/{event['id']}").get_data(as_text=True)


def viewings(client, auth, event_id: str) -> list[dict]:
    """The recorded viewings of one event's personal data."""
    events = client.get("/v1/events", query_string={"action": "audit.personal_data_viewed", "target_id": event_id},
                        headers=auth).get_json()["events"]
    return events


def test_unknown_event_is_404(console):
    assert console("auditor").get("/admin/events/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize("page", ["/admin/", "/admin/events/", "/admin/api-keys/", "/admin/api-keys/new/",
                                  "/admin/operators/", "/admin/operators/new/", "/admin/account/",
                                  "/admin/account/password", "/admin/account/login"])
def test_console_pages_send_a_script_nonce_csp_and_the_other_headers(app, console, page):
    client = app.test_client() if page.endswith("login") else console("admin")
    response = client.get(page)
    assert response.status_code == 200
    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    nonce = re.search(r"'nonce-([^']+)'", csp["script-src"]).group(1)
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all(f'nonce="{nonce}"' in attrs for attrs in scripts)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers: no nonce could allow them
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert csp["frame-ancestors"] == "'none'"
