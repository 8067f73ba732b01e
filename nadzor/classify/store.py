"""Classify every process in the store; write ``classifications`` and ``classification_evidence``.

A process is split into units classified separately (so a negative word in one item does not veto another
item): the title, the description, each lot, each item (its description together with its CPV codes), each
award and contract title, each document title, and the extracted text of each archived document linked to
the process (``archived_documents`` + ``document_links``). Each evidence row keeps the field, the span in the text
as published, and the source_id and locator of the row it came from.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timezone

import orjson

from nadzor import __version__
from nadzor.classify.matcher import Matcher, Unit, get_matcher

__all__ = ["classify_store", "units_for_store", "field_from_locator"]

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


def units_for_store(store) -> dict[str, list[Unit]]:
    """Read the texts and CPV codes of every process from the store, grouped by ocid."""
    units: dict[str, list[Unit]] = defaultdict(list)
    for ocid, title, desc, sid, loc in store.con.execute(
        "SELECT ocid, title, description, source_id, locator FROM processes"
    ).fetchall():
        units[ocid]  # every process gets a classification row, even without text
        if title:
            units[ocid].append(Unit(texts=[("tender/title", title)], source_id=sid, locator=loc))
        if desc:
            units[ocid].append(Unit(texts=[("tender/description", desc)], source_id=sid, locator=loc))
    for ocid, lot_id, title, desc, sid, loc in store.con.execute(
        "SELECT ocid, lot_id, title, description, source_id, locator FROM lots"
    ).fetchall():
        base = field_from_locator(loc, f"tender/lots/{lot_id}")
        texts = [(f"{base}/title", title), (f"{base}/description", desc)]
        units[ocid].append(Unit(texts=[t for t in texts if t[1]], source_id=sid, locator=loc))
    for row in store.con.execute(
        "SELECT ocid, origin, parent_id, item_id, description, classification_scheme, classification_id, "
        "classification_description, CAST(additional_classifications AS VARCHAR), source_id, locator FROM items"
    ).fetchall():
        ocid, origin, parent, item_id, desc, scheme, cid, cdesc, extra, sid, loc = row
        default = f"{origin}/items/{item_id}" if origin == "tender" else f"{origin}/{parent}/items/{item_id}"
        base = field_from_locator(loc, default)
        texts = [(f"{base}/description", desc)]
        if cdesc:
            texts.append((f"{base}/classification/description", cdesc))
        codes = [(f"{base}/classification", c) for c in _cpv_codes(scheme, cid, extra)]
        units[ocid].append(Unit(texts=[t for t in texts if t[1]], cpv=codes, source_id=sid, locator=loc))
    for table, kind in (("awards", "awards"), ("contracts", "contracts")):
        idcol = "award_id" if table == "awards" else "contract_id"
        for ocid, oid, title, sid, loc in store.con.execute(
            f"SELECT ocid, {idcol}, title, source_id, locator FROM {table} WHERE title IS NOT NULL"
        ).fetchall():
            base = field_from_locator(loc, f"{kind}/{oid}")
            units[ocid].append(Unit(texts=[(f"{base}/title", title)], source_id=sid, locator=loc))
    for ocid, parent, title, desc, sid, loc in store.con.execute(
        "SELECT ocid, parent, title, description, source_id, locator FROM documents "
        "WHERE title IS NOT NULL OR description IS NOT NULL"
    ).fetchall():
        base = field_from_locator(loc, f"{parent}/documents")
        texts = [(f"{base}/title", title), (f"{base}/description", desc)]
        units[ocid].append(Unit(texts=[t for t in texts if t[1]], source_id=sid, locator=loc))
    # document texts (archived_documents, linked to a process through document_links), when any exist
    for ocid, sha, filename, text in store.con.execute(
        "SELECT l.ocid, d.sha256, d.filename, d.text FROM document_links l JOIN archived_documents d USING (sha256)"
        " WHERE l.ocid IS NOT NULL AND d.text IS NOT NULL AND d.text <> ''"
    ).fetchall():
        if ocid in units:
            units[ocid].append(Unit(texts=[(f"archived_documents/{sha}/text", text)], source_id=sha, locator=filename))
    return units


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


def classify_store(store, *, matcher: Matcher | None = None) -> dict:
    """Classify every process; replace the previous classification rows. Returns a summary for ``nadzor analyze``.

    Results are risk context, not findings: a flagged process names surveillance technology in its texts or
    CPV codes; each evidence row says where.
    """
    matcher = matcher or get_matcher()
    version = f"{__version__}+rules.{matcher.version}"
    now = datetime.now(timezone.utc)
    cls_rows = []
    ev_rows = []
    by_cap: dict[str, int] = defaultdict(int)
    for ocid, units in units_for_store(store).items():
        res = matcher.classify_units(units)
        restricted = [
            {"vendor": r.vendor, "list": r.list, "date": r.date, "source": r.source}
            for v in res.vendors for r in matcher.taxonomy.restricted_for(v)
        ]
        cls_rows.append((ocid, res.is_surveillance, res.capabilities, res.vendors,
                         orjson.dumps(restricted).decode(), version, now))
        for cap in res.capabilities:
            by_cap[cap] += 1
        for unit, m in res.evidence:
            ev_rows.append((
                ocid, m.capability, m.rule, m.field,
                m.span[0] if m.span else None, m.span[1] if m.span else None,
                m.matched, unit.source_id, unit.locator,
            ))
    cls_cols = ["ocid", "is_surveillance", "capabilities", "vendors", "restricted_vendors", "classifier_version",
                "classified_at"]
    ev_cols = ["ocid", "capability", "rule", "field", "span_start", "span_end", "matched", "source_id", "locator"]
    with store.transaction():
        store.con.execute("DELETE FROM classification_evidence")
        store.con.execute("DELETE FROM classifications")
        _bulk_insert(store, "classifications", cls_cols, cls_rows,
                     {"restricted_vendors": "CAST(restricted_vendors AS JSON)"})
        _bulk_insert(store, "classification_evidence", ev_cols, ev_rows, {})
    n_surv = sum(1 for r in cls_rows if r[1])
    return {
        "processes": len(cls_rows),
        "surveillance": n_surv,
        "evidence_rows": len(ev_rows),
        "capabilities": dict(sorted(by_cap.items())),
        "classifier_version": version,
    }
