"""The web app over real HTTP (uvicorn on 127.0.0.1): the gate, roles, CSRF, escaping, API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from httpx import Client

from listener.storage import Storage
from listener.web.security import hash_password
from tests.webdata import HOSTILE, T0, seed
from tests.webserver import serving

PASSWORD = "correct horse battery"
Maker = Callable[[Storage], Client]
NOW = T0 + timedelta(hours=2)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storage]:
    path: Path = tmp_path_factory.mktemp("web") / "web.db"
    storage = Storage(f"sqlite:///{path}")
    storage.upgrade()
    seed(storage)
    digest = hash_password(PASSWORD)
    for name, role in (("vera", "viewer"), ("max", "manager"), ("ada", "admin")):
        storage.save_user(name, role, digest, NOW)  # type: ignore[arg-type]
    yield storage
    storage.close()


@pytest.fixture(scope="module")
def base_url(store: Storage) -> Iterator[str]:
    with serving(store, lambda: NOW) as url:
        yield url


@pytest.fixture
def client_for(base_url: str) -> Iterator[Callable[[Storage], Client]]:
    clients: list[Client] = []

    def make(_store: Storage) -> Client:
        clients.append(Client(base_url=base_url, follow_redirects=False))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def csrf_of(client: Client, path: str = "/login") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def signed_in(client_for: Maker, store: Storage, name: str) -> Client:
    client = client_for(store)
    form = {"name": name, "password": PASSWORD, "csrf": csrf_of(client)}
    assert client.post("/login", data=form).status_code == 303
    return client


@pytest.mark.parametrize("path", ["/", "/queue", "/alerts/1", "/history", "/nowhere"])
def test_anonymous_requests_see_only_the_login_page(
    client_for: Maker, store: Storage, path: str
) -> None:
    response = client_for(store).get(path)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_anonymous_api_calls_are_refused(client_for: Maker, store: Storage) -> None:
    for path in ("/api/v1/queue", "/api/openapi.json", "/api/docs"):
        assert client_for(store).get(path).status_code == 401


def test_every_response_carries_security_headers(client_for: Maker, store: Storage) -> None:
    headers = client_for(store).get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_a_wrong_password_or_a_missing_csrf_token_signs_nobody_in(
    client_for: Maker, store: Storage
) -> None:
    client = client_for(store)
    wrong = {"name": "max", "password": "nope", "csrf": csrf_of(client)}
    assert client.post("/login", data=wrong).status_code == 401
    assert client.post("/login", data={"name": "max", "password": PASSWORD}).status_code == 403
    assert client.get("/queue").status_code == 303


def test_the_queue_shows_mentions_escaped_with_alert_marks(
    client_for: Maker, store: Storage
) -> None:
    page = signed_in(client_for, store, "vera").get("/queue").text
    assert HOSTILE not in page and "<script>window.pwned" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "drove alert #1" in page
    assert page.index("Refund please") < page.index("Loving the new")  # outpost first


def _triage(client: Client, csrf: str | None) -> int:
    form = {"key": "1:Acme", "status": "engaged", "assignee": "max", "note": "done"}
    if csrf:
        form["csrf"] = csrf
    return client.post("/queue/review", data=form).status_code


def test_a_viewer_cannot_change_a_status_a_manager_can(client_for: Maker, store: Storage) -> None:
    viewer = signed_in(client_for, store, "vera")
    assert _triage(viewer, csrf_of(viewer, "/queue")) == 403
    manager = signed_in(client_for, store, "max")
    assert _triage(manager, None) == 403  # no CSRF token
    assert _triage(manager, csrf_of(manager, "/queue")) == 303
    page = manager.get("/queue?status=engaged").text
    assert "Acme support is slow today" in page and "assigned to max" in page


def test_alert_pages_show_why_charts_and_escaped_posts(client_for: Maker, store: Storage) -> None:
    client = signed_in(client_for, store, "vera")
    assert "Flash revolt on Acme: &lt;b&gt;4 mentions&lt;/b&gt;" in client.get("/alerts").text
    page = client.get("/alerts/1").text
    assert "volume and negativity surged" in page and "refund" in page
    assert page.count("<svg") == 2 and "<script>window" not in page
    assert client.get("/alerts/99").status_code == 404


def test_history_search_pages_and_charts(client_for: Maker, store: Storage) -> None:
    client = signed_in(client_for, store, "vera")
    page = client.get("/history", params={"q": "blender", "since": "2026-11-01"}).text
    assert "Loving the new Acme blender" in page and "Globex blender" in page
    assert "Refund please" not in page and "Share of voice" in page


def test_export_streams_every_row_as_csv_and_jsonl(client_for: Maker, store: Storage) -> None:
    client = signed_in(client_for, store, "vera")
    jsonl = client.get("/history/export", params={"q": "acme", "format": "jsonl"})
    rows = [json.loads(line) for line in jsonl.text.splitlines()]
    assert {r["external_id"] for r in rows} == {"p1", "p2", "p3", "p4"}
    assert HOSTILE in {r["text"] for r in rows}  # verbatim in data exports
    csv_text = client.get("/history/export", params={"brand": "Globex", "format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("created_at,brand")
    assert "Globex blender beats them all" in csv_text


def test_api_with_a_bearer_token(client_for: Maker, store: Storage) -> None:
    viewer = store.get_user(name="vera")
    manager = store.get_user(name="max")
    assert viewer and manager
    store.add_api_token(viewer.id, "tok-viewer", "t", NOW)
    store.add_api_token(manager.id, "tok-manager", "t", NOW)
    client = client_for(store)
    as_viewer = {"Authorization": "Bearer tok-viewer"}
    assert client.get("/api/v1/me", headers=as_viewer).json() == {"name": "vera", "role": "viewer"}
    found = client.get("/api/v1/search", params={"q": "refund"}, headers=as_viewer).json()
    assert [m["external_id"] for m in found["items"]] == ["p3"]
    body = {"keys": [{"mention_id": 2, "brand": "Acme"}], "status": "ignored"}
    assert client.post("/api/v1/reviews", json=body, headers=as_viewer).status_code == 403
    as_manager = {"Authorization": "Bearer tok-manager"}
    assert client.post("/api/v1/reviews", json=body, headers=as_manager).json() == {"updated": 1}
    queue = client.get("/api/v1/queue", params={"status": "ignored"}, headers=as_manager).json()
    assert [i["review"]["status"] for i in queue["items"]] == ["ignored"]
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer bad"}).status_code == 401
    assert "/api/v1/queue" in client.get("/api/openapi.json", headers=as_viewer).json()["paths"]


def test_only_admins_manage_users(client_for: Maker, store: Storage) -> None:
    assert signed_in(client_for, store, "max").get("/admin/users").status_code == 403
    admin = signed_in(client_for, store, "ada")
    form = {"name": "newbie", "role": "viewer", "password": "long enough pw"}
    form["csrf"] = csrf_of(admin, "/admin/users")
    assert admin.post("/admin/users", data=form).status_code == 303
    assert "newbie" in admin.get("/admin/users").text


def test_managers_ack_and_silence_alerts_from_the_page_viewers_cannot(
    client_for: Maker, store: Storage
) -> None:
    viewer = signed_in(client_for, store, "vera")
    token = csrf_of(viewer, "/alerts/1")
    assert "/alerts/1/ack" not in viewer.get("/alerts/1").text  # no form for viewers
    assert viewer.post("/alerts/1/ack", data={"csrf": token}).status_code == 403
    manager = signed_in(client_for, store, "max")
    token = csrf_of(manager, "/alerts/1")
    assert manager.post("/alerts/1/ack", data={}).status_code == 403  # no CSRF token
    assert manager.post("/alerts/1/ack", data={"csrf": token}).status_code == 303
    alert = store.get_alert(1)
    assert alert is not None and alert.acked_by == "max"
    assert "by max" in manager.get("/alerts/1").text
    form = {"csrf": token, "hours": "2", "reason": "launch <day>"}
    assert manager.post("/alerts/1/silence", data=form).status_code == 303
    [silence] = store.silences(NOW)
    assert (silence.brand, silence.kind, silence.reason) == ("Acme", alert.kind, "launch <day>")
    assert silence.ends_at - silence.starts_at == timedelta(hours=2)
    assert manager.post("/alerts/99/ack", data={"csrf": token}).status_code == 404
