"""Warm a freshly created app before the first visitor: one in-process request to each kind of page.

The first request of each page type on a new server pays one-off costs that have nothing to do with the data
asked for: Jinja compiles the page's templates, FastAPI builds the route's validators, and DuckDB loads the
store's index and column blocks that page reads. On a store of a million processes that made the first process
and buyer pages 65-135 ms instead of 20-40 ms (benchmarks/RESULTS-web.md). ``warm_up`` pays those costs at start
by sending real GET requests through the ASGI app (no socket, nothing logged); the responses are discarded.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from nadzor.web.queries import Reader

__all__ = ["warm_up", "warm_up_paths"]


def warm_up_paths(reader: Reader) -> list[str]:
    """Return the paths that exercise each page type on this store: lists, one process, its buyer and supplier.

    An empty store gets the pages that need no record.
    """
    paths = ["/", "/purchases", "/api/purchases", "/buyers", "/suppliers", "/search?q=nabavka"]
    row = reader.one("SELECT ocid, buyer_id FROM processes ORDER BY ocid LIMIT 1")
    if row is None:
        return paths
    ocid = quote(row["ocid"], safe="")
    paths += [f"/purchases/{ocid}", f"/api/processes/{ocid}"]
    if row["buyer_id"]:
        key = quote(str(row["buyer_id"]), safe="")
        paths += [f"/buyers/{key}", f"/api/buyers/{key}"]
    supplier = reader.one("SELECT supplier_id FROM award_suppliers WHERE supplier_id IS NOT NULL LIMIT 1")
    if supplier is not None:
        key = quote(str(supplier["supplier_id"]), safe="")
        paths += [f"/suppliers/{key}", f"/api/suppliers/{key}"]
    return paths


def warm_up(app, reader: Reader) -> dict[str, int]:
    """Send one GET request per warm-up path through ``app``; return each path's status code.

    A page that answers 404 (e.g. a buyer outside the surveillance scope) still warms its templates and queries,
    so statuses are reported, not raised.
    """
    return {path: asyncio.run(_get(app, path)) for path in warm_up_paths(reader)}


async def _get(app, target: str) -> int:
    path, _, query = target.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 80),
    }
    status = 0
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            # The app only asks again after the body when it waits for a disconnect; say so.
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status
