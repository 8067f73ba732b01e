"""Classify every process in the store; write ``classifications`` and ``classification_evidence``.

A process is split into units classified separately (so a negative word in one item does not veto another
item): the title, the description, each lot, each item (its description together with its CPV codes), each
award and contract title, each document title, and the extracted text of each archived document linked to
the process (``archived_documents`` + ``document_links``). Each evidence row keeps the field, the span in the text
as published, and the source_id and locator of the row it came from.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from itertools import groupby
from operator import itemgetter

import orjson

from nadzor import __version__
from nadzor.classify.matcher import Matcher, Unit, get_matcher

__all__ = ["classify_store", "iter_units", "units_for_store", "field_from_locator"]

_FIELD_RE = re.compile(r"(?:^|/)((?:planning|tender|awards|contracts)(?:/.*)?)$")


def field_from_locator(locator: str | None, fallback: str) -> str:
    """Return the OCDS field path from a row locator (``/releases/3/tender/items/2`` -> ``tender/items/2``)."""
    if locator:
        m = _FIELD_RE.search(locator)
        if m:
            return m.group(1)
    return fallback


def _cpv_codes(scheme, cid, additional) -> list[str]:
    codes = []
    if cid and (scheme or "").upper().startswith("CPV"):
        codes.append(cid)
    if additional:
        extra = orjson.loads(additional) if isinstance(additional, (str, bytes)) else additional
        for c in extra or []:
            if isinstance(c, dict) and (c.get("scheme") or "").upper().startswith("CPV") and c.get("id"):
                codes.append(str(c["id"]))
    return codes


# Rows fetched at a time from each sorted stream, and processes classified before their rows are written: both
# bound the memory of ``classify_store`` whatever the size of the store.
_CHUNK = 10_000
_BATCH = 10_000


def _stream(con, sql: str) -> Iterator[tuple]:
    """Yield the rows of ``sql`` a chunk at a time, on a cursor of its own (several streams are read in turn)."""
    cur = con.cursor()
    try:
        cur.execute(sql)
        while rows := cur.fetchmany(_CHUNK):
            yield from rows
    finally:
        cur.close()


# Each source yields (ocid, units) sorted by ocid, then by row order within a process (as the rows were stored).
def _process_units(con) -> Iterator[tuple[str, list[Unit]]]:
    for ocid, title, desc, sid, loc in _stream(
        con, "SELECT ocid, title, description, source_id, locator FROM processes ORDER BY ocid, rowid"
    ):
        units = []  # every process gets a classification row, even without text
        if title:
            units.append(Unit(texts=[("tender/title", title)], source_id=sid, locator=loc))
        if desc:
            units.append(Unit(texts=[("tender/description", desc)], source_id=sid, locator=loc))
        yield ocid, units


def _item_units(con) -> Iterator[tuple[str, list[Unit]]]:
    for row in _stream(
        con, "SELECT ocid, origin, parent_id, item_id, description, classification_scheme, classification_id, "
             "classification_description, CAST(additional_classifications AS VARCHAR), source_id, locator FROM items "
             "WHERE ocid IS NOT NULL ORDER BY ocid, rowid"
    ):
        ocid, origin, parent, item_id, desc, scheme, cid, cdesc, extra, sid, loc = row
        default = f"{origin}/items/{item_id}" if origin == "tender" else f"{origin}/{parent}/items/{item_id}"
        base = field_from_locator(loc, default)
        texts = [(f"{base}/description", desc)]
        if cdesc:
            texts.append((f"{base}/classification/description", cdesc))
        codes = [(f"{base}/classification", c) for c in _cpv_codes(scheme, cid, extra)]
        yield ocid, [Unit(texts=[t for t in texts if t[1]], cpv=codes, source_id=sid, locator=loc)]


def _part_units(table: str, key: str, fallback: str, description: bool, where: str = "") -> Callable:
    """A source of the title (and description) of each lot, award, contract or document of a process;
    ``fallback`` (formatted with the ``key`` column) is the field when the row's locator names none."""
    desc = "description" if description else "NULL"

    def units(con) -> Iterator[tuple[str, list[Unit]]]:
        for ocid, oid, title, text, sid, loc in _stream(
            con, f"SELECT ocid, {key}, title, {desc}, source_id, locator FROM {table} "
                 f"WHERE ocid IS NOT NULL {where} ORDER BY ocid, rowid"
        ):
            base = field_from_locator(loc, fallback.format(oid))
            texts = [(f"{base}/title", title), (f"{base}/description", text)]
            yield ocid, [Unit(texts=[t for t in texts if t[1]], source_id=sid, locator=loc)]
    return units


def _document_text_units(con) -> Iterator[tuple[str, list[Unit]]]:
    # document texts (archived_documents, linked to a process through document_links), when any exist
    for ocid, sha, filename, text in _stream(
        con, "SELECT l.ocid, d.sha256, d.filename, d.text FROM document_links l JOIN archived_documents d "
             "USING (sha256) WHERE l.ocid IS NOT NULL AND d.text IS NOT NULL AND d.text <> '' "
             "ORDER BY l.ocid, l.rowid"
    ):
        yield ocid, [Unit(texts=[(f"archived_documents/{sha}/text", text)], source_id=sha, locator=filename)]


# In the order a process's units are listed; document texts last (they only join a process that has other rows).
_SOURCES = (
    _process_units,
    _part_units("lots", "lot_id", "tender/lots/{}", description=True),
    _item_units,
    _part_units("awards", "award_id", "awards/{}", description=False, where="AND title IS NOT NULL"),
    _part_units("contracts", "contract_id", "contracts/{}", description=False, where="AND title IS NOT NULL"),
    _part_units("documents", "parent", "{}/documents", description=True,
                where="AND (title IS NOT NULL OR description IS NOT NULL)"),
)


def iter_units(store) -> Iterator[tuple[str, list[Unit]]]:
    """Yield (ocid, units) for every process in the store, in ocid order, streaming (memory stays flat).

    A process's units are its title, description, lots, items (with CPV codes), award and contract titles,
    document titles and the texts of archived documents linked to it.
    """
    streams = [((ocid, False, units) for ocid, units in source(store.con)) for source in _SOURCES]
    streams.append((ocid, True, units) for ocid, units in _document_text_units(store.con))
    # heapq.merge is stable: for one ocid the streams' rows come in the order of _SOURCES, document texts last
    for ocid, rows in groupby(heapq.merge(*streams, key=itemgetter(0)), key=itemgetter(0)):
        units: list[Unit] = []
        named = False  # a process row or a row of one of its parts; document texts alone do not make a process
        for _, document_text, more in rows:
            if document_text and not named:
                break
            named = True
            units.extend(more)
        if named:
            yield ocid, units


def units_for_store(store) -> dict[str, list[Unit]]:
    """Read the texts and CPV codes of every process from the store, grouped by ocid (all in memory; for a
    large store iterate :func:`iter_units` instead)."""
    return dict(iter_units(store))


def _bulk_insert(store, table: str, cols: list[str], rows: list[tuple], casts: dict[str, str]) -> None:
    """Insert rows through Arrow: DuckDB's executemany is about 100 times slower."""
    if not rows:
        return
    import pyarrow as pa

    data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})
    name = f"_nadzor_{table}_rows"
    store.con.register(name, data)
    try:
        select = ", ".join(casts.get(c, c) for c in cols)
        store.con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {name}")
    finally:
        store.con.unregister(name)


def classify_store(store, *, matcher: Matcher | None = None,
                   progress: Callable[[int, int], None] | None = None) -> dict:
    """Classify every process; replace the previous classification rows. Returns a summary for ``nadzor analyze``.

    Results are risk context, not findings: a flagged process names surveillance technology in its texts or
    CPV codes; each evidence row says where. Processes are read and written in batches, so memory does not grow
    with the store; ``progress(done, total)`` is called after each batch (``total`` counts the processes).
    """
    matcher = matcher or get_matcher()
    version = f"{__version__}+rules.{matcher.version}"
    now = datetime.now(timezone.utc)
    total = store.scalar("SELECT count(*) FROM processes")
    cls_cols = ["ocid", "is_surveillance", "capabilities", "vendors", "restricted_vendors", "classifier_version",
                "classified_at"]
    ev_cols = ["ocid", "capability", "rule", "field", "span_start", "span_end", "matched", "source_id", "locator"]
    cls_rows: list[tuple] = []
    ev_rows: list[tuple] = []
    by_cap: dict[str, int] = defaultdict(int)
    counts = {"processes": 0, "surveillance": 0, "evidence_rows": 0}

    def flush() -> None:
        _bulk_insert(store, "classifications", cls_cols, cls_rows,
                     {"restricted_vendors": "CAST(restricted_vendors AS JSON)"})
        _bulk_insert(store, "classification_evidence", ev_cols, ev_rows, {})
        counts["processes"] += len(cls_rows)
        counts["evidence_rows"] += len(ev_rows)
        cls_rows.clear()
        ev_rows.clear()
        if progress:
            progress(counts["processes"], total)

    if progress:
        progress(0, total)
    with store.transaction():
        store.con.execute("DELETE FROM classification_evidence")
        store.con.execute("DELETE FROM classifications")
        for ocid, units in iter_units(store):
            res = matcher.classify_units(units)
            restricted = [
                {"vendor": r.vendor, "list": r.list, "date": r.date, "source": r.source}
                for v in res.vendors for r in matcher.taxonomy.restricted_for(v)
            ]
            cls_rows.append((ocid, res.is_surveillance, res.capabilities, res.vendors,
                             orjson.dumps(restricted).decode(), version, now))
            counts["surveillance"] += bool(res.is_surveillance)
            for cap in res.capabilities:
                by_cap[cap] += 1
            for unit, m in res.evidence:
                ev_rows.append((
                    ocid, m.capability, m.rule, m.field,
                    m.span[0] if m.span else None, m.span[1] if m.span else None,
                    m.matched, unit.source_id, unit.locator,
                ))
            if len(cls_rows) >= _BATCH:
                flush()
        flush()
    return {
        "processes": counts["processes"],
        "surveillance": counts["surveillance"],
        "evidence_rows": counts["evidence_rows"],
        "capabilities": dict(sorted(by_cap.items())),
        "classifier_version": version,
    }
