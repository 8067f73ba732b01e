"""The `web-index` analysis step: indexes and the search table that keep pages fast on large stores.

Run by ``nadzor analyze`` (order 900, after the other steps). It creates ART indexes on the columns pages look
records up by (ocid, buyer_id, supplier_id, entity_id) and fills ``search_index`` with every title, item
description and organisation name in normalised form. The web app works without it, only slower, and search
then normalises on the fly.
"""

from __future__ import annotations

from dataclasses import dataclass

from nadzor.hookspecs import hookimpl
from nadzor.web.text import normalise

__all__ = ["WebIndexStep", "build_web_index", "INDEXES", "register_analysis_steps"]

INDEXES = [
    ("processes", "buyer_id"),
    ("lots", "ocid"), ("items", "ocid"), ("parties", "ocid"), ("bids", "ocid"), ("bid_tenderers", "ocid"),
    ("awards", "ocid"), ("award_suppliers", "ocid"), ("award_suppliers", "supplier_id"), ("contracts", "ocid"),
    ("amendments", "ocid"), ("documents", "ocid"), ("findings", "ocid"), ("findings", "subject_id"),
    ("classification_evidence", "ocid"), ("party_entities", "ocid"), ("party_entities", "entity_id"),
    ("party_entities", "party_id"),
]

_TEXTS = """
    SELECT 'process' AS kind, ocid AS key, ocid, 'tender/title' AS field, title AS text FROM processes
        WHERE title IS NOT NULL
    UNION ALL SELECT 'process', ocid, ocid, 'items/description', description FROM items WHERE description IS NOT NULL
    UNION ALL SELECT DISTINCT 'buyer', buyer_id, NULL, 'buyer/name', buyer_name FROM processes
        WHERE buyer_name IS NOT NULL AND buyer_id IS NOT NULL
    UNION ALL SELECT DISTINCT 'supplier', supplier_id, NULL, 'awards/suppliers/name', supplier_name FROM award_suppliers
        WHERE supplier_name IS NOT NULL AND supplier_id IS NOT NULL
"""


def build_web_index(store, *, batch: int = 50_000) -> dict:
    """Create the lookup indexes and rebuild ``search_index``; return counts."""
    con = store.con
    for table, column in INDEXES:
        con.execute(f"CREATE INDEX IF NOT EXISTS idx_{table}_{column} ON {table} ({column})")
    con.execute("DELETE FROM search_index")
    cur = con.cursor()
    cur.execute(_TEXTS)
    n = 0
    while rows := cur.fetchmany(batch):
        _bulk(con, rows)
        n += len(rows)
    cur.close()
    return {"indexes": len(INDEXES), "search_texts": n}


def _bulk(con, rows) -> None:
    import pyarrow as pa

    cols = list(zip(*rows))
    tbl = pa.table({"kind": cols[0], "key": cols[1], "ocid": cols[2], "field": cols[3], "text": cols[4],
                    "norm": [normalise(t) for t in cols[4]]})
    con.register("_search_batch", tbl)
    con.execute("INSERT INTO search_index SELECT * FROM _search_batch")
    con.unregister("_search_batch")


@dataclass
class WebIndexStep:
    """Analysis step that prepares the store for the web app."""

    name: str = "web-index"
    order: int = 900

    def run(self, store) -> dict:
        """Build indexes and the search table."""
        return build_web_index(store)


@hookimpl
def register_analysis_steps():
    return [WebIndexStep()]
