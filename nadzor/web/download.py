"""CSV and JSON downloads of the lists (every list page and API route takes ``?format=csv`` or ``?format=json``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

import orjson

__all__ = ["all_rows", "rows_to_csv", "rows_to_json", "cell", "PURCHASE_COLUMNS"]

PURCHASE_COLUMNS = ["ocid", "title", "buyer_key", "buyer_name", "year", "date", "value", "currency",
                    "procurement_method", "status", "bids", "suppliers", "capabilities", "flags"]

DOWNLOAD_LIMIT = 1_000_000


def all_rows(fetch: Callable[..., object], per_page: int = 500, limit: int = DOWNLOAD_LIMIT) -> Iterable[dict]:
    """Yield every row of a paged list function ``fetch(page=, per_page=)`` (a Page), up to ``limit`` rows."""
    page, seen = 1, 0
    while True:
        p = fetch(page=page, per_page=per_page)
        for row in p.rows:
            yield row
            seen += 1
            if seen >= limit:
                return
        if page >= p.pages:
            return
        page += 1


def _default(obj):
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(type(obj).__name__)


def cell(value) -> str:
    """Render one value for CSV: lists of names joined with '; ', other nested values as JSON."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(v.get("name") or v.get("key") or "" if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value, default=_default).decode()
    return str(value)


def rows_to_csv(rows: Iterable[dict], columns: list[str] | None = None) -> Iterable[str]:
    """Yield CSV text chunks with a header; columns default to the first row's keys.

    Cells that a spreadsheet would run as a formula (starting with = + - @) get a leading apostrophe.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    it = iter(rows)
    first = next(it, None)
    cols = columns or (list(first) if first else [])
    writer.writerow(cols)
    for row in ([first] if first is not None else []):
        writer.writerow([_guard(cell(row.get(c))) for c in cols])
    yield buf.getvalue()
    for row in it:
        buf.seek(0)
        buf.truncate()
        writer.writerow([_guard(cell(row.get(c))) for c in cols])
        yield buf.getvalue()


def _guard(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def rows_to_json(rows: Iterable[dict]) -> bytes:
    """Return rows as a JSON array."""
    return orjson.dumps(list(rows), default=_default)
