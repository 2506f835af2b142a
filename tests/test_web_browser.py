"""The web app in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Skipped when chromium or Playwright is missing, unless ``LISTENER_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from listener.storage import Storage
from listener.web.security import hash_password
from tests.webdata import T0, seed
from tests.webserver import serving

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
PASSWORD = "correct horse battery"
NOW = T0 + timedelta(hours=2)


def _missing(reason: str) -> None:
    if os.environ.get("LISTENER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (LISTENER_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install playwright)")
    if not shutil.which(CHROMIUM):
        _missing(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path: Path = tmp_path_factory.mktemp("browser") / "web.db"
    storage = Storage(f"sqlite:///{path}")
    storage.upgrade()
    seed(storage)
    storage.save_user("max", "manager", hash_password(PASSWORD), NOW)
    with serving(storage, lambda: NOW) as url:
        yield url
    storage.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, accept_downloads=True)
    page = context.new_page()
    page.dialogs: list[str] = []  # type: ignore[misc]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto("/queue")
    page.fill("input[name=name]", "max")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")
    yield page
    context.close()


def test_a_hostile_mention_stays_inert(page: Any) -> None:
    assert page.locator("text=window.pwned=1").count() >= 1  # shown as text
    assert page.evaluate("window.pwned") is None
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == []


def test_triage_a_mention_with_the_keyboard(page: Any) -> None:
    page.locator("li.row").first.focus()
    page.keyboard.press("j")
    page.keyboard.press("k")
    with page.expect_navigation():
        page.keyboard.press("e")  # the focused row becomes engaged
    assert "engaged: 1" in page.inner_text("p.counts").replace("\n", " ")
    assert page.locator("li.status-engaged").count() == 1


def test_open_an_alert(page: Any) -> None:
    page.click("a.alert-mark >> nth=0")
    assert page.locator("h1").inner_text().startswith("Alert #1")
    assert page.locator("svg.chart").count() == 2
    assert page.evaluate("window.pwned") is None


def test_export_a_search(page: Any) -> None:
    page.goto("/history?q=blender")
    with page.expect_download() as download:
        page.click("#export-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Loving the new Acme blender" in text and "Globex blender" in text
