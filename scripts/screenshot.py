"""Rewrite docs/screenshot.png: the overview of a store built by the demo (real samples + fictional case).

    .venv/bin/python scripts/screenshot.py [STORE]      (default: a fresh demo store in a temp folder)

Uses Debian's Chromium through Playwright, as the browser tests do.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from nadzor.demo import run_demo
    from nadzor.store import Store
    from nadzor.web.app import create_app

    if argv:
        db = Path(argv[0])
    else:
        db = Path(tempfile.mkdtemp()) / "demo.duckdb"
        with Store.open(db) as store:
            run_demo(store, say=lambda m: None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_timeout(1500)  # let the Vega charts render
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)
        browser.close()
    server.should_exit = True
    print(ROOT / "docs" / "screenshot.png")


if __name__ == "__main__":
    main(sys.argv[1:])
