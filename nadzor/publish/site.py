"""Static site export: the web app's pages written as files, to publish without a server.

Every purchase, buyer, supplier and indicator page is rendered by the same app (called in-process) and written
as ``<path>/index.html``; the site must be served from the root of a domain or folder-aware static host. What
needs a server is left out and says so: filters and sorting other than the defaults, search, and ``?format=``
downloads (the CSV files of every list are written beside the pages instead).
"""

from __future__ import annotations

import asyncio
import shutil
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from nadzor.exceptions import InputError
from nadzor.web import queries

__all__ = ["export_site", "asgi_get"]


def asgi_get(app, path: str, query: str = "") -> tuple[int, bytes]:
    """Call an ASGI app with one GET request in-process; return (status, body)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"localhost")], "server": ("localhost", 80), "client": ("127.0.0.1", 1)}
    out = {"status": 500, "body": b""}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return out["status"], out["body"]


def _safe_part(key: str) -> bool:
    return bool(key) and "/" not in key and "\\" not in key and key not in (".", "..") and "\x00" not in key


def export_site(store, path: Path, *, scope: str = "surveillance") -> dict:
    """Write the static site into the folder ``path`` (created; must be empty or absent)."""
    from nadzor.publish.tabular import export_csv
    from nadzor.web.app import create_app

    if path.exists() and any(path.iterdir()):
        raise InputError(f"{path} is not empty: choose a new folder for the site")
    path.mkdir(parents=True, exist_ok=True)
    r = queries.Reader.from_store(store)
    app = create_app(r)
    written, skipped = 0, 0

    def write(url: str, query: str = "", *, dest: str | None = None) -> None:
        nonlocal written
        status, body = asgi_get(app, url, query)
        if status != 200:
            raise InputError(f"rendering {url} failed with status {status}")
        target = path / (dest or url.strip("/")) / "index.html" if dest is None or not dest.endswith(".html") \
            else path / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written += 1

    sq = "" if scope == "surveillance" else "scope=all"
    write("/", dest="")
    write("/purchases", (sq + "&" if sq else "") + "per_page=500")
    for page in ("/buyers", "/suppliers", "/flags", "/indicators", "/map", "/sources"):
        write(page, sq if page in ("/buyers", "/suppliers", "/map") else "")
    f = queries.PurchaseFilters(scope=scope)
    from nadzor.web.download import all_rows

    buyers, suppliers = set(), set()
    for p in all_rows(lambda **kw: queries.list_purchases(r, f, **kw)):
        write("/purchases/" + quote(p["ocid"], safe=""), dest="purchases/" + p["ocid"]) \
            if _safe_part(p["ocid"]) else None
        skipped += not _safe_part(p["ocid"])
        if p["buyer_key"]:
            buyers.add(p["buyer_key"])
        suppliers.update(s["key"] for s in p["suppliers"] if s["key"])
    for kind, keys in (("buyers", buyers), ("suppliers", suppliers)):
        for key in sorted(keys):
            if _safe_part(key):
                write(f"/{kind}/" + quote(key, safe=""), sq, dest=f"{kind}/{key}")
            else:
                skipped += 1
    for i in queries.list_indicators(r):
        if _safe_part(i["code"]):
            write("/indicators/" + quote(i["code"], safe=""), dest="indicators/" + i["code"])
    shutil.copytree(str(resources.files("nadzor.web").joinpath("static")), path / "static", dirs_exist_ok=True)
    export_csv(store, path / "downloads", scope=scope)
    return {"path": str(path), "pages": written, "skipped_keys": skipped}
