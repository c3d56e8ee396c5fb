"""``privacyhub dev`` (what ``make run`` starts): web, worker and beat, end to end."""

import http.cookiejar
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.factories import event_batch

pytestmark = pytest.mark.worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url, data=None, key=None):
    request = urllib.request.Request(url, data=json.dumps(data).encode() if data else None, headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def wait_for_line(process, pattern, timeout, lines):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"did not see {pattern!r} in:\n" + "".join(lines[-40:]))


def test_dev_stack_serves_ingests_and_stops_cleanly(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "PRIVACYHUB_INSTANCE_PATH": str(tmp_path / "instance"), "PORT": str(port)}
    env.pop("PRIVACYHUB_DATABASE_URL", None)
    bin_dir = Path(sys.executable).parent
    process = subprocess.Popen([str(bin_dir / "privacyhub"), "dev"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        key = wait_for_line(process, r"API key \(all scopes\): (phk_\S+)", 60, lines).group(1)
        password = wait_for_line(process, r"admin@example.com, one-time password: (\S+)", 30, lines).group(1)
        wait_for_line(process, r"celery@\S+ ready", 90, lines)
        assert console_sign_in(f"http://127.0.0.1:{port}", "admin@example.com", password).endswith(
            "/admin/account/password")  # signed in, and asked to replace the one-time password
        assert call(f"http://127.0.0.1:{port}/healthz") == (200, {"status": "ok"})
        assert call(f"http://127.0.0.1:{port}/readyz")[0] == 200
        status, body = call(f"http://127.0.0.1:{port}/v1/events", event_batch(1000), key)
        assert (status, body) == (201, {"accepted": 1000, "duplicates": 0})
        _, page = call(f"http://127.0.0.1:{port}/v1/events?actor_id=user-3&limit=1000", key=key)
        assert len(page["events"]) == len([i for i in range(1000) if i % 7 == 3])
        assert_demo_access_request_completes(f"http://127.0.0.1:{port}", key)
        files = {p.name: oct(p.stat().st_mode & 0o777) for p in (tmp_path / "instance").iterdir()}
        assert files["signing.key"] == files["secret.key"] == files["encryption.keys"] == "0o600"
        assert "privacyhub.sqlite" in files and "broker.sqlite" in files
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode == 0
    assert processes_with_instance(tmp_path / "instance") == []


def assert_demo_access_request_completes(base: str, key: str) -> None:
    """The worker fulfils an access request for the Demo Shop subject; the archive link works."""
    from privacyhub.demo_shop.seed import DEMO_EMAIL

    status, filed = call(f"{base}/v1/requests", {"type": "access", "identity_verified": True,
                                                 "identities": [{"type": "email", "value": DEMO_EMAIL}]}, key)
    assert status == 201
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        _, request = call(f"{base}/v1/requests/{filed['id']}", key=key)
        if request["status"] == "completed":
            break
        time.sleep(1)
    assert request["status"] == "completed", request
    assert request["results_url"].startswith(f"{base}/v1/exports/")
    with urllib.request.urlopen(request["results_url"], timeout=30) as response:
        archive = zipfile.ZipFile(io.BytesIO(response.read()))
    assert DEMO_EMAIL in archive.read("data.json").decode()


def console_sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the console's login form; returns the URL the browser ends up on."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base}/admin/account/login", timeout=30) as response:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.read().decode()).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    with opener.open(f"{base}/admin/account/login", data=form, timeout=30) as response:
        return response.geturl()


def processes_with_instance(instance: Path) -> list[int]:
    """PIDs of live processes started for this instance (found through their environment)."""
    marker = f"PRIVACYHUB_INSTANCE_PATH={instance}".encode()
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                pids.append(int(environ.parent.name))
        except OSError:
            continue
    return pids


def test_first_start_creates_the_key_once(app_config):
    from privacyhub import create_app
    from privacyhub.commands.dev import first_start

    app = create_app(app_config)
    with app.app_context():
        shown = dict(first_start())
        assert shown["API key (all scopes)"].startswith("phk_")
        assert "API key (all scopes)" not in dict(first_start())


@pytest.fixture
def backend():
    return "sqlite"
