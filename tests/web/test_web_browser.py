"""End-to-end tests in a real Chromium (Debian's, never a downloaded one), against a server on a free port.

Set NADZOR_SCREENSHOT=1 to (re)write docs/screenshot.png from the overview.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(sample_db):
    import uvicorn

    from nadzor.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(sample_db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/setup-test-env.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, accept_downloads=True, viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.errors = []
    p.on("pageerror", lambda exc: p.errors.append(str(exc)))
    p.on("console", lambda msg: p.errors.append(msg.text) if msg.type == "error" else None)
    # Nothing may load from outside this server.
    p.outside = []
    p.on("request", lambda req: p.outside.append(req.url) if not req.url.startswith(base_url) else None)
    yield p
    context.close()


def test_overview_loads_and_draws_charts(page):
    page.goto("/")
    assert "Who buys surveillance technology" in page.inner_text("h1")
    for chart in ("chart-year", "chart-single", "chart-suppliers"):
        page.wait_for_selector(f"#{chart}[data-rendered] svg", timeout=15000)
    assert page.errors == []
    assert page.outside == []
    # A markup payload in the data is shown as text, and never ran.
    assert page.evaluate("() => window.__xss === undefined")
    if os.environ.get("NADZOR_SCREENSHOT"):
        (ROOT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)


def test_filter_purchases_updates_results(page):
    page.goto("/purchases")
    assert page.inner_text("#total") == "6"
    page.select_option("select[name=capability]", "anpr")
    page.wait_for_function("() => document.querySelector('#total').textContent === '2'", timeout=10000)
    assert "capability=anpr" in page.url  # htmx pushed the filtered URL
    assert page.locator("table.purchases tbody tr").count() == 2
    assert page.errors == []


def test_open_a_process(page):
    page.goto("/purchases?capability=facial_recognition")
    page.click("text=Систем за препознавање лица")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Систем за препознавање лица"
    assert "CC BY 4.0 (fictional sample)" in page.content()


def test_search_in_cyrillic_finds_latin_title(page):
    page.goto("/")
    page.fill("header input[name=q]", "камере за надзор")
    page.press("header input[name=q]", "Enter")
    page.wait_for_selector("#purchase-hits")
    assert "Kamere za nadzor saobraćaja" in page.inner_text("#purchase-hits")


def test_download_purchases_csv(page, tmp_path):
    page.goto("/purchases?capability=anpr")
    with page.expect_download() as info:
        page.click("text=CSV")
    path = tmp_path / "purchases.csv"
    info.value.save_as(path)
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    assert lines[0].startswith("ocid,title")
    assert len(lines) == 3


def test_map_draws_districts(page):
    page.goto("/map")
    page.wait_for_selector("#chart-map[data-rendered]", state="attached", timeout=20000)
    assert page.locator("#chart-map svg path").count() >= 30  # one shape per district, plus frame
    assert page.errors == []
