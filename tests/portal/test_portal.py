"""The self-service portal through its forms, with CSRF on, as a browser without JavaScript uses it."""

import re

from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.mail import open_message
from privacyhub.models import OutboxMessage, SubjectRequest


def csrf_token(html: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1).decode()


def file(client, **fields):
    token = csrf_token(client.get("/privacy/").data)
    return client.post("/privacy/", data={"csrf_token": token, **fields})


def last_mail_link(kind: str) -> str:
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return re.search(rf"http://localhost:5000(/privacy/{kind}/\S+)", open_message(message)[1]).group(1)


def test_form_is_accessible_and_works_without_javascript(client):
    html = client.get("/privacy/").data.decode()
    assert '<html lang="en">' in html and "<script" not in html
    assert '<legend>What would you like us to do?</legend>' in html
    assert re.search(r'<label for="email">', html)
    assert 'name="csrf_token"' in html


def test_post_without_csrf_token_is_refused(client):
    response = client.post("/privacy/", data={"type": "access", "email": "a@example.com"})
    assert response.status_code == 400
    assert db.session.query(SubjectRequest).count() == 0


def test_file_verify_and_follow(client):
    response = file(client, type="access", email="Linus@Example.com")
    assert response.status_code == 303 and response.headers["Location"].endswith("/privacy/sent")
    assert "Check your inbox" in client.get("/privacy/sent").data.decode()
    request = db.session.query(SubjectRequest).one()
    assert (request.status, request.channel) == ("identity_unverified", "portal")

    verify = last_mail_link("verify")
    page = client.get(verify)
    assert page.status_code == 200 and request.status == "identity_unverified"  # opening the link changes nothing
    response = client.post(verify, data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 303
    status_page = client.get(response.headers["Location"]).data.decode()
    assert 'data-status="pending"' in status_page
    assert "Access (Art. 15)" in status_page
    db.session.refresh(request)
    assert request.status == "pending"
    # The status link from the first mail shows the same request.
    assert 'data-status="pending"' in client.get(last_mail_link("status")).data.decode()


def test_rectification_needs_a_correction(client):
    response = file(client, type="rectification", email="a@example.com")
    assert response.status_code == 400 and b"Tell us what to correct" in response.data
    response = file(client, type="rectification", email="a@example.com",
                    **{"corrections-0-category": "user.name", "corrections-0-value": "Ada King"})
    assert response.status_code == 303
    from privacyhub.dsr.intake import corrections_of

    assert corrections_of(db.session.query(SubjectRequest).one()) == [{"category": "user.name", "value": "Ada King"}]


def test_invalid_address_is_explained(client):
    response = file(client, type="access", email="not-an-address")
    assert response.status_code == 400 and b"Enter a valid e-mail address" in response.data


def test_forged_status_link_is_404(client):
    file(client, type="access", email="a@example.com")
    link = last_mail_link("status")
    assert client.get(link[:-1] + ("0" if link[-1] != "0" else "1")).status_code == 404
    assert client.get("/privacy/status/nothing").status_code == 404


def test_bad_verification_link_says_so_without_detail(client):
    file(client, type="access", email="a@example.com")
    page = client.get("/privacy/verify/abc.def")
    response = client.post("/privacy/verify/abc.def", data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 400 and b"not valid" in response.data


def test_subject_can_withdraw_a_pending_request(client):
    file(client, type="erasure", email="a@example.com")
    status = last_mail_link("status")
    page = client.get(status)
    response = client.post(status + "/cancel", data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 303
    assert db.session.query(SubjectRequest).one().status == "cancelled"


def _answers(client, email):
    first = file(client, type="access", email=email)
    followed = client.get(first.headers["Location"])
    return first.status_code, first.headers["Location"], followed.status_code, followed.data


def test_known_and_unknown_addresses_get_identical_answers(client, make_api_key):
    # "known" has a history with us: earlier requests through the API and the portal.
    headers = {"Authorization": f"Bearer {make_api_key('requests:write')}"}
    client.post("/v1/requests", json={"type": "access", "identities": [{"type": "email", "value": "known@example.com"}],
                                      "identity_verified": True}, headers=headers)
    file(client, type="erasure", email="known@example.com")
    known = _answers(client, "known@example.com")
    unknown = _answers(client, "never-seen@example.com")
    strip_nonce = lambda html: re.sub(rb"nonce-[\w-]+|value=\"[^\"]+\"", b"", html)  # noqa: E731
    assert known[:3] == unknown[:3] == (303, "/privacy/sent", 200)
    assert strip_nonce(known[3]) == strip_nonce(unknown[3])


def test_filing_is_rate_limited_per_address_and_per_ip(app, client):
    app.config["RATELIMIT_ENABLED"] = True
    from privacyhub.extensions import limiter

    limiter.enabled = True
    limiter.reset()
    try:
        codes = [file(client, type="access", email="same@example.com").status_code for _ in range(4)]
        assert codes == [303, 303, 303, 429]
        others = [file(client, type="access", email=f"p{i}@example.com").status_code for i in range(8)]
        assert others.count(303) == 7 and others[-1] == 429  # 10 per hour per IP, 3 used above
    finally:
        limiter.enabled = False
