"""OCDS export: a release package of the compiled releases of the exported processes, as published."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import orjson

from nadzor import __version__
from nadzor.web import queries

__all__ = ["export_ocds"]


def export_ocds(store, path: Path, *, scope: str = "surveillance") -> dict:
    """Write a release package whose releases are the compiled releases (one per process in scope)."""
    r = queries.Reader.from_store(store)
    where, params = queries.purchase_where(r, queries.PurchaseFilters(scope=scope))
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    ref = store.release_ref_sql("rel", "coalesce(CAST(p.compiled AS VARCHAR), CAST(rel.data AS VARCHAR))")
    cur = r.cursor().execute(
        f"""SELECT {ref} FROM processes p
            LEFT JOIN releases rel ON rel.release_key = p.compiled_from {clause} ORDER BY p.ocid""", params)
    n = 0
    with open(path, "wb") as out:
        head = {"uri": "", "version": "1.1", "publishedDate": datetime.now(timezone.utc).isoformat(),
                "publisher": {"name": f"nadzor {__version__} (compiled from the sources listed on /sources)"}}
        out.write(orjson.dumps(head)[:-1] + b',"releases":[')
        while batch := cur.fetchmany(1000):
            for data in store.release_texts(batch):
                if data is None:
                    continue
                out.write((b"," if n else b"") + data.encode())
                n += 1
        out.write(b"]}")
    return {"path": str(path), "releases": n}
