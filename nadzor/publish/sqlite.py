"""SQLite export for Datasette: the model tables, analysis results and a ``purchases`` view, in one file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nadzor.web import queries

__all__ = ["export_sqlite", "TABLES"]

TABLES = ["sources", "processes", "lots", "items", "parties", "bids", "bid_tenderers", "awards", "award_suppliers",
          "contracts", "amendments", "documents", "classifications", "classification_evidence", "findings",
          "entities", "party_entities"]


def _cell(v):
    if isinstance(v, (list, dict)):
        import orjson

        return orjson.dumps(v, default=str).decode()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def export_sqlite(store, path: Path, *, scope: str = "surveillance") -> dict:
    """Write a SQLite database; processes (and their rows) limited to ``scope``. Replaces an existing file."""
    r = queries.Reader.from_store(store)
    where, params = queries.purchase_where(r, queries.PurchaseFilters(scope=scope))
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    cur = r.cursor()
    cur.execute(f"CREATE OR REPLACE TEMP TABLE _export_ocids AS SELECT p.ocid FROM processes p {clause}", params)
    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    counts = {}
    try:
        for table in TABLES:
            if table not in r.tables:
                continue
            cols = [c[0] for c in cur.execute(f"DESCRIBE {table}").fetchall() if c[0] != "compiled"]
            collist = ", ".join(f'"{c}"' for c in cols)
            db.execute(f'CREATE TABLE "{table}" ({collist})')
            has_ocid = "ocid" in cols and table not in ("sources", "entities")
            keep = "ocid IN (SELECT ocid FROM _export_ocids)"
            if table == "findings":  # buyer and supplier findings have no ocid
                keep = f"ocid IS NULL OR {keep}"
            sel = f"SELECT {collist} FROM {table}" + (f" WHERE {keep}" if has_ocid else "")
            cur.execute(sel)
            n = 0
            while rows := cur.fetchmany(5000):
                db.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(cols))})',
                               [[_cell(v) for v in row] for row in rows])
                n += len(rows)
            if has_ocid:
                db.execute(f'CREATE INDEX "idx_{table}_ocid" ON "{table}" (ocid)')
            counts[table] = n
        db.execute("""CREATE VIEW purchases AS
                      SELECT p.ocid, p.title, p.buyer_id, p.buyer_name, coalesce(p.tender_start, p.date) AS date,
                             coalesce(p.contract_value_amount, p.award_value_amount, p.tender_value_amount) AS value,
                             p.number_of_tenderers, s.publisher, s.licence
                      FROM processes p LEFT JOIN sources s ON s.source_id = p.source_id""")
        db.commit()
    finally:
        db.close()
        cur.execute("DROP TABLE IF EXISTS _export_ocids")
    return {"path": str(path), **counts}
