"""CSV (a folder of one file per list) and JSON (one document) exports of the same lists the web app shows."""

from __future__ import annotations

from pathlib import Path

import orjson

from nadzor.web import queries
from nadzor.web.download import PURCHASE_COLUMNS, all_rows, rows_to_csv

__all__ = ["export_csv", "export_json", "lists"]


def lists(store, scope: str) -> dict:
    """Return the fetch functions of every list (purchases, buyers, suppliers, flags), paged."""
    r = queries.Reader.from_store(store)
    f = queries.PurchaseFilters(scope=scope)
    return {
        "purchases": (lambda **kw: queries.list_purchases(r, f, sort="date", **kw), PURCHASE_COLUMNS),
        "buyers": (lambda **kw: queries.list_buyers(r, scope=scope, **kw), None),
        "suppliers": (lambda **kw: queries.list_suppliers(r, scope=scope, **kw), None),
        "flags": (lambda **kw: queries.list_flags(r, **kw), None),
    }


def export_csv(store, path: Path, *, scope: str = "surveillance") -> dict:
    """Write purchases.csv, buyers.csv, suppliers.csv and flags.csv into the folder ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, (fetch, columns) in lists(store, scope).items():
        rows = list(all_rows(fetch))
        with open(path / f"{name}.csv", "w", encoding="utf-8", newline="") as out:
            for chunk in rows_to_csv(rows, columns or (list(rows[0]) if rows else ["none"])):
                out.write(chunk)
        counts[name] = len(rows)
    return {"path": str(path), **counts}


def _default(obj):
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(type(obj).__name__)


def export_json(store, path: Path, *, scope: str = "surveillance") -> dict:
    """Write one JSON document with every list and the headline numbers."""
    r = queries.Reader.from_store(store)
    doc = {"note": "Findings are risk indicators, not proof of wrongdoing.", "scope": scope,
           "overview": queries.overview(r)}
    counts = {}
    for name, (fetch, _) in lists(store, scope).items():
        doc[name] = list(all_rows(fetch))
        counts[name] = len(doc[name])
    path.write_bytes(orjson.dumps(doc, default=_default, option=orjson.OPT_INDENT_2))
    return {"path": str(path), **counts}
