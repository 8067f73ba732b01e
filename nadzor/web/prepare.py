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

__all__ = ["WebIndexStep", "build_web_index", "INDEXES", "WORD", "register_analysis_steps"]

# A word of normalised text, for search_words (RE2 syntax; search splits queries with the same pattern in SQL).
WORD = r"[\pL\pN]+"

INDEXES = [
    ("processes", "buyer_id"),
    ("lots", "ocid"), ("items", "ocid"), ("parties", "ocid"), ("bids", "ocid"), ("bid_tenderers", "ocid"),
    ("awards", "ocid"), ("award_suppliers", "ocid"), ("award_suppliers", "supplier_id"), ("contracts", "ocid"),
    ("amendments", "ocid"), ("documents", "ocid"), ("findings", "ocid"), ("findings", "subject_id"),
    ("classification_evidence", "ocid"), ("party_entities", "ocid"), ("party_entities", "entity_id"),
    ("party_entities", "party_id"), ("web_purchases", "ocid"),
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


def _key(has_entities: bool, ocid: str, party: str) -> str:
    """SQL for an organisation's key: its entity id when entity matching has run, else the party id."""
    if not has_entities:
        return party
    return (f"coalesce((SELECT min(pe.entity_id) FROM party_entities pe WHERE pe.ocid = {ocid} "
            f"AND pe.party_id = {party}), {party})")


_BIDCOUNT = ("SELECT ocid, count(DISTINCT coalesce(bid_id, CAST(bid_index AS VARCHAR))) AS n FROM bids "
             "GROUP BY ocid")


def _purchases_sql(has_entities: bool, part: int, parts: int) -> str:
    """The processes of one part (by hash of ocid) as a purchase list shows them (see queries._decorate)."""
    def mine(col: str) -> str:
        return f"hash({col}) % {parts} = {part}"

    return f"""
    WITH bidcount AS (SELECT ocid, count(DISTINCT coalesce(bid_id, CAST(bid_index AS VARCHAR))) AS n FROM bids
                      WHERE {mine("ocid")} GROUP BY ocid),
    sup AS (SELECT ocid, list({{'key': key, 'name': name}} ORDER BY name NULLS LAST, key NULLS LAST) AS suppliers
            FROM (SELECT DISTINCT s.ocid, {_key(has_entities, "s.ocid", "s.supplier_id")} AS key,
                         s.supplier_name AS name FROM award_suppliers s WHERE {mine("s.ocid")})
            GROUP BY ocid),
    fl AS (SELECT ocid, list(DISTINCT code ORDER BY code) AS flags FROM findings
           WHERE ocid IS NOT NULL AND {mine("ocid")} GROUP BY ocid)
    SELECT p.ocid, p.title, p.buyer_id, p.buyer_name, p.date, coalesce(p.tender_start, p.date) AS year_date,
           substr(coalesce(p.tender_start, p.date), 1, 4) AS year,
           coalesce(p.contract_value_amount, p.award_value_amount, p.tender_value_amount) AS value,
           CASE WHEN p.contract_value_amount IS NOT NULL THEN p.contract_value_currency
                WHEN p.award_value_amount IS NOT NULL THEN p.award_value_currency
                ELSE p.tender_value_currency END AS currency,
           p.procurement_method, p.status, p.number_of_tenderers,
           coalesce(sup.suppliers, []) AS suppliers, coalesce(c.capabilities, []) AS capabilities,
           coalesce(fl.flags, []) AS flags, coalesce(bc.n, p.number_of_tenderers) AS bids,
           coalesce(p.number_of_tenderers, bc.n) AS n_bids, {_key(has_entities, "p.ocid", "p.buyer_id")} AS buyer_key,
           c.is_surveillance
    FROM processes p LEFT JOIN bidcount bc ON bc.ocid = p.ocid LEFT JOIN classifications c ON c.ocid = p.ocid
         LEFT JOIN sup ON sup.ocid = p.ocid LEFT JOIN fl ON fl.ocid = p.ocid
    WHERE {mine("p.ocid")}"""


def _build_purchases(con, has_entities: bool, n_processes: int) -> None:
    """Fill web_purchases newest first, built in parts of about 100,000 processes: the list aggregates of a
    million processes at once outgrow DuckDB's memory limit (1 GB by default)."""
    parts = max(1, -(-n_processes // 100_000))
    con.execute("CREATE OR REPLACE TABLE _web_purchases_parts AS FROM web_purchases LIMIT 0")
    try:
        for part in range(parts):
            con.execute(f"INSERT INTO _web_purchases_parts {_purchases_sql(has_entities, part, parts)}")
        con.execute("DELETE FROM web_purchases")
        con.execute("INSERT INTO web_purchases FROM _web_purchases_parts ORDER BY year_date DESC NULLS LAST, ocid")
    finally:
        con.execute("DROP TABLE IF EXISTS _web_purchases_parts")
    con.execute("DELETE FROM web_org_listing")
    for role in ("buyer", "supplier"):  # one role at a time: each is a sort of up to a row per process
        con.execute("""INSERT INTO web_org_listing
                       SELECT o.role, o.key, w.* FROM (SELECT DISTINCT role, key, ocid FROM web_org_purchases
                                                       WHERE role = ?) o
                       JOIN web_purchases w ON w.ocid = o.ocid
                       ORDER BY o.key, w.year_date DESC NULLS LAST, w.ocid""", [role])


def _org_purchases_sql(has_entities: bool) -> str:
    def key(ocid: str, party: str) -> str:
        return _key(has_entities, ocid, party)

    return f"""
    WITH bidcount AS ({_BIDCOUNT}),
    base AS (
        SELECT p.ocid, p.title, {key("p.ocid", "p.buyer_id")} AS buyer_key, p.buyer_name,
               coalesce(p.tender_start, p.date) AS date, substr(coalesce(p.tender_start, p.date), 1, 4) AS year,
               coalesce(p.contract_value_amount, p.award_value_amount, p.tender_value_amount) AS value,
               CASE WHEN p.contract_value_amount IS NOT NULL THEN p.contract_value_currency
                    WHEN p.award_value_amount IS NOT NULL THEN p.award_value_currency
                    ELSE p.tender_value_currency END AS currency,
               coalesce(p.number_of_tenderers, bc.n) AS bids, c.is_surveillance
        FROM processes p LEFT JOIN bidcount bc ON bc.ocid = p.ocid LEFT JOIN classifications c ON c.ocid = p.ocid),
    sup AS (SELECT DISTINCT s.ocid, {key("s.ocid", "s.supplier_id")} AS supplier_key, s.supplier_name
            FROM award_suppliers s WHERE s.supplier_id IS NOT NULL),
    joined AS (SELECT b.*, sup.supplier_key, sup.supplier_name FROM base b LEFT JOIN sup ON sup.ocid = b.ocid)
    SELECT * FROM (
        SELECT 'buyer' AS role, buyer_key AS key, ocid, title, buyer_key, buyer_name, supplier_key, supplier_name,
               date, year, value, currency, bids, is_surveillance FROM joined WHERE buyer_key IS NOT NULL
        UNION ALL
        SELECT 'supplier', supplier_key, ocid, title, buyer_key, buyer_name, supplier_key, supplier_name,
               date, year, value, currency, bids, is_surveillance FROM joined WHERE supplier_key IS NOT NULL
    ) ORDER BY role, key, date DESC NULLS LAST, ocid"""


def build_web_index(store, *, batch: int = 50_000) -> dict:
    """Create the lookup indexes, rebuild ``search_index`` and ``web_org_purchases``; return counts."""
    con = store.con
    has_entities = con.execute("SELECT count(*) FROM party_entities").fetchone()[0] > 0
    con.execute("DELETE FROM web_org_purchases")
    con.execute(f"INSERT INTO web_org_purchases {_org_purchases_sql(has_entities)}")
    n_org = con.execute("SELECT count(*) FROM web_org_purchases").fetchone()[0]
    n_processes = con.execute("SELECT count(*) FROM processes").fetchone()[0]
    _build_purchases(con, has_entities, n_processes)
    # Readers compare this with the processes they see, and ignore the precomputed tables when it differs
    # (processes ingested after the last `nadzor analyze`).
    con.execute("INSERT OR REPLACE INTO meta VALUES ('web_index_processes', ?)", [str(n_processes)])
    for table, column in INDEXES:
        con.execute(f"CREATE INDEX IF NOT EXISTS idx_{table}_{column} ON {table} ({column})")
    con.execute("ALTER TABLE search_index ADD COLUMN IF NOT EXISTS doc BIGINT")  # stores from before it
    con.execute("DELETE FROM search_index")
    cur = con.cursor()
    cur.execute(_TEXTS)
    n = 0
    while rows := cur.fetchmany(batch):
        _bulk(con, rows, n)
        n += len(rows)
    cur.close()
    con.execute("DELETE FROM search_words")
    # No DISTINCT (a word twice in one text gives two rows; search reads docs into a set): a sort of 20M rows
    # spills to disk within the memory limit, a DISTINCT would first hash them all.
    con.execute(f"""INSERT INTO search_words SELECT unnest(regexp_extract_all(norm, '{WORD}')) AS word, doc
                    FROM search_index ORDER BY word, doc""")
    con.execute("DELETE FROM search_vocab")
    con.execute("INSERT INTO search_vocab SELECT word, count(*) FROM search_words GROUP BY word ORDER BY word")
    return {"indexes": len(INDEXES), "search_texts": n, "org_purchase_rows": n_org, "purchase_rows": n_processes}


def _bulk(con, rows, first_doc: int) -> None:
    import pyarrow as pa

    cols = list(zip(*rows))
    tbl = pa.table({"kind": cols[0], "key": cols[1], "ocid": cols[2], "field": cols[3], "text": cols[4],
                    "norm": [normalise(t) for t in cols[4]],
                    "doc": pa.array(range(first_doc, first_doc + len(rows)), pa.int64())})
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
