"""Read the store for the web app, the JSON API, the report and the exports: every page and API route is served
by one function here, so they cannot disagree.

Every function takes a :class:`Reader` (a thread-safe, read-only view of a store) and returns plain dicts and
lists. Tables that analysis fills (classifications, findings, entities) may be empty: the functions then return
what they can and say so in ``analysed`` flags instead of failing.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import duckdb
from duckdb import sqltypes

from nadzor.exceptions import InputError, NotFoundError
from nadzor.web.text import normalise

__all__ = [
    "Reader",
    "Page",
    "PurchaseFilters",
    "SORTS",
    "overview",
    "list_purchases",
    "get_process",
    "get_release",
    "list_buyers",
    "get_buyer",
    "list_suppliers",
    "get_supplier",
    "list_flags",
    "list_indicators",
    "get_indicator",
    "search",
    "list_sources",
    "purchases_per_year",
    "district_counts",
    "list_capabilities",
    "list_years",
    "purchase_where",
]

MAX_PER_PAGE = 500

# Sort keys accepted by list_purchases, mapped to SQL (never interpolate user text into SQL).
SORTS = {
    "date": "year_date ASC NULLS LAST, p.ocid",
    "-date": "year_date DESC NULLS LAST, p.ocid",
    "value": "value ASC NULLS LAST, p.ocid",
    "-value": "value DESC NULLS LAST, p.ocid",
    "title": "p.title ASC NULLS LAST, p.ocid",
    "-title": "p.title DESC NULLS LAST, p.ocid",
}

ANALYSED_TABLES = ("classifications", "findings", "entities", "party_entities", "search_index", "search_words",
                   "web_org_purchases", "web_purchases", "web_org_listing")
# Built by the web-index step (nadzor.web.prepare) from the processes of the time: trusted only while the store
# still holds as many processes as it recorded.
WEB_TABLES = ("search_index", "search_words", "web_org_purchases", "web_purchases", "web_org_listing")


class Reader:
    """A read view of a store that web threads can share: one DuckDB cursor per thread.

    ``present`` says which analysis tables hold rows, so pages can say "not analysed yet" instead of showing
    empty tables as if nothing had been found.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, *, label: str = "store", store=None):
        self._con = con
        self.store = store  # for release texts kept by reference in the store's archive (Store.release_texts)
        if store is not None:
            store.release_ref_sql()  # looks the columns up once, here, not from several threads
        self._local = threading.local()
        self.label = label
        self.refresh()

    @classmethod
    def from_store(cls, store) -> Reader:
        """Wrap an open :class:`nadzor.store.Store`."""
        return cls(store.con, label=str(store.path or ":memory:"), store=store)

    def refresh(self) -> None:
        """Re-read which tables exist and which analysis tables hold rows; forget cached aggregates."""
        self._places = None
        self.memo: dict = {}
        cur = self.cursor()
        self.tables = {r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        self.nonempty = {
            t for t in self.tables if not t.startswith("_") and cur.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()
        }
        self.present = {t for t in ANALYSED_TABLES if t in self.nonempty}
        if self.present & set(WEB_TABLES):
            built = cur.execute("SELECT value FROM meta WHERE key = 'web_index_processes'").fetchone() \
                if "meta" in self.tables else None
            if built is None or built[0] != str(cur.execute("SELECT count(*) FROM processes").fetchone()[0]):
                self.present -= set(WEB_TABLES)
        # The first query with parameters imports numpy inside duckdb (about 0.4 s): pay it here, not in a request.
        cur.execute("SELECT ?", [0]).fetchall()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Return this thread's cursor (DuckDB connections are not safe to share between threads)."""
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cur = cur
        return cur

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        """Run SQL and return rows as dicts."""
        cur = self.cursor().execute(*_expand(sql, params or []))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def one(self, sql: str, params: list | None = None) -> dict | None:
        """Run SQL and return the first row as a dict, or None."""
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: list | None = None):
        """Run SQL and return the first value of the first row."""
        row = self.cursor().execute(*_expand(sql, params or [])).fetchone()
        return None if row is None else row[0]

    def table_names(self) -> list[str]:
        """Return the tables of the store (the Store interface that nadzor.evidence functions use)."""
        return sorted(self.tables)

    @property
    def classified(self) -> bool:
        """Whether the classifier has run (surveillance purchases are known)."""
        return "classifications" in self.present

    @property
    def has_findings(self) -> bool:
        """Whether the indicators have run."""
        return "findings" in self.present

    @property
    def has_entities(self) -> bool:
        """Whether organisations have been matched into entities."""
        return "party_entities" in self.present


def _memoised(fn):
    """Cache a store-wide aggregate on the Reader: the web app serves a store that does not change under it."""
    import functools

    @functools.wraps(fn)
    def wrapper(r: Reader, *args, **kwargs):
        key = (fn.__name__, args, tuple(sorted(kwargs.items())))
        if key not in r.memo:
            r.memo[key] = fn(r, *args, **kwargs)
        return r.memo[key]

    return wrapper


_PLACEHOLDER = re.compile(r"list_contains\(\?, ([\w.]+)\)|\?")
IN_LIST_MAX = 5000


def _expand(sql: str, params: list) -> tuple[str, list]:
    """Turn ``list_contains(?, col)`` with a short Python list into ``col IN (?, ?, ...)``.

    DuckDB answers an IN list of constants from the ART index or zone maps; ``list_contains`` with a list
    parameter scans the whole table, which is what made pages slow on large stores.
    """
    if "list_contains(?," not in sql:
        return sql, params
    out, values, pos, i = [], [], 0, 0
    for m in _PLACEHOLDER.finditer(sql):
        out.append(sql[pos:m.start()])
        pos = m.end()
        value = params[i]
        i += 1
        if m.group(1) and isinstance(value, (list, tuple)) and len(value) <= IN_LIST_MAX:
            out.append(f"{m.group(1)} IN ({', '.join('?' * len(value))})" if value else "FALSE")
            values.extend(value)
        else:
            out.append(m.group(0))
            values.append(value)
    out.append(sql[pos:])
    return "".join(out), values + list(params[i:])


@dataclass
class Page:
    """One page of a list, with what is needed to link to the others."""

    rows: list[dict]
    total: int
    page: int
    per_page: int
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """Number of pages."""
        return max(1, -(-self.total // self.per_page))

    def as_dict(self) -> dict:
        """Return the JSON shape the API serves."""
        return {"total": self.total, "page": self.page, "per_page": self.per_page, "pages": self.pages,
                "notes": self.notes, "results": self.rows}


def _paging(page: int, per_page: int) -> tuple[int, int, int]:
    if page < 1:
        raise InputError("page must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InputError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    return page, per_page, (page - 1) * per_page


# -- keys for organisations ------------------------------------------------------------------------------------
# A buyer or supplier is addressed by its entity id when entity matching has run, else by the party id the source
# gave it. Both kinds of key are accepted everywhere.

def _org_key_sql(r: Reader, ocid_col: str, party_col: str) -> str:
    if r.has_entities:
        return (f"coalesce((SELECT min(pe.entity_id) FROM party_entities pe WHERE pe.ocid = {ocid_col} "
                f"AND pe.party_id = {party_col}), {party_col})")
    return party_col


def _buyer_match_sql(r: Reader) -> str:
    if r.has_entities:
        return ("(p.buyer_id = ? OR EXISTS (SELECT 1 FROM party_entities pe WHERE pe.ocid = p.ocid "
                "AND pe.party_id = p.buyer_id AND pe.entity_id = ?))")
    return "p.buyer_id = ?"


def _supplier_ocids_sql(r: Reader) -> str:
    if r.has_entities:
        return ("SELECT s.ocid FROM award_suppliers s WHERE s.supplier_id = ? UNION "
                "SELECT s.ocid FROM award_suppliers s JOIN party_entities pe "
                "ON pe.ocid = s.ocid AND pe.party_id = s.supplier_id WHERE pe.entity_id = ?")
    return "SELECT s.ocid FROM award_suppliers s WHERE s.supplier_id = ?"


# -- purchases -------------------------------------------------------------------------------------------------

@dataclass
class PurchaseFilters:
    """Filters for :func:`list_purchases`; every field optional. ``scope`` is 'surveillance' or 'all'."""

    capability: str | None = None
    buyer: str | None = None
    supplier: str | None = None
    year: int | None = None
    flag: str | None = None
    bids: str | None = None  # single | multiple
    region: str | None = None  # district name
    scope: str = "surveillance"
    since: str | None = None  # ISO date: processes dated on or after

    def validate(self) -> None:
        """Raise InputError on values that cannot be right."""
        if self.bids not in (None, "single", "multiple"):
            raise InputError("bids must be 'single' or 'multiple'")
        if self.scope not in ("surveillance", "all"):
            raise InputError("scope must be 'surveillance' or 'all'")
        if self.year is not None and not 1900 <= self.year <= 2100:
            raise InputError("year must be between 1900 and 2100")

    def as_params(self) -> dict:
        """Return the non-empty filters (for links and for echoing them back)."""
        return {k: v for k, v in self.__dict__.items() if v not in (None, "") and not (k == "scope" and v == "surveillance")}


_VALUE = ("coalesce(p.contract_value_amount, p.award_value_amount, p.tender_value_amount)")
_VALUE_CCY = ("CASE WHEN p.contract_value_amount IS NOT NULL THEN p.contract_value_currency "
              "WHEN p.award_value_amount IS NOT NULL THEN p.award_value_currency ELSE p.tender_value_currency END")
_YEAR_DATE = "coalesce(p.tender_start, p.date)"


def _purchase_where(r: Reader, f: PurchaseFilters) -> tuple[list[str], list]:
    f.validate()
    where, params = [], []
    scope_done = False
    if "web_org_purchases" in r.present and (f.buyer or f.supplier):
        # One range of the precomputed table (sorted by organisation) instead of scanning processes.
        for role, key in (("buyer", f.buyer), ("supplier", f.supplier)):
            if key:
                only = " AND is_surveillance" if f.scope == "surveillance" and r.classified else ""
                where.append(f"p.ocid IN (SELECT ocid FROM web_org_purchases WHERE role = '{role}' AND key = ?{only})")
                params.append(key)
        scope_done = True
        f = PurchaseFilters(**{**f.__dict__, "buyer": None, "supplier": None})
    if f.scope == "surveillance" and r.classified and not scope_done:
        where.append("p.ocid IN (SELECT ocid FROM classifications WHERE is_surveillance)")
    if f.capability:
        where.append("p.ocid IN (SELECT ocid FROM classifications WHERE list_contains(capabilities, ?))")
        params.append(f.capability)
    if f.buyer:
        where.append(_buyer_match_sql(r))
        params += [f.buyer, f.buyer] if r.has_entities else [f.buyer]
    if f.supplier:
        where.append(f"p.ocid IN ({_supplier_ocids_sql(r)})")
        params += [f.supplier, f.supplier] if r.has_entities else [f.supplier]
    if f.year is not None:
        where.append(f"substr({_YEAR_DATE}, 1, 4) = ?")
        params.append(str(f.year))
    if f.since:
        where.append(f"{_YEAR_DATE} >= ?")
        params.append(f.since)
    if f.flag:
        where.append("p.ocid IN (SELECT ocid FROM findings WHERE code = ?)")
        params.append(f.flag)
    if f.bids:
        n = ("coalesce(p.number_of_tenderers, (SELECT count(DISTINCT coalesce(b.bid_id, CAST(b.bid_index AS VARCHAR))) "
             "FROM bids b WHERE b.ocid = p.ocid))")
        where.append(f"{n} = 1" if f.bids == "single" else f"{n} >= 2")
    if f.region:
        where.append("list_contains(?, p.buyer_id)")
        params.append([b["buyer_id"] for b in _buyer_places(r) if b["district"] == f.region])
    return where, params


# Up to this many search texts are read as separate equality lookups in one statement, each answered from zone
# maps (about 1.5 ms each at 1M processes); DuckDB answers an IN list with a scan (about 50 ms).
POINT_LOOKUPS = 32


def _point_lookups(table: str, column: str, n: int) -> str:
    """SQL for the rows of ``table`` whose ``column`` equals one of ``n`` parameters (n >= 1)."""
    return "(" + " UNION ALL ".join([f"SELECT * FROM {table} WHERE {column} = ?"] * n) + ")"


def _listing_where(r: Reader, f: PurchaseFilters) -> tuple[list[str], list]:
    """Conditions on the precomputed ``web_purchases p`` that select what :func:`_purchase_where` selects."""
    f.validate()
    where, params = [], []
    for role, key in (("buyer", f.buyer), ("supplier", f.supplier)):
        if key:
            where.append(f"p.ocid IN (SELECT ocid FROM web_org_purchases WHERE role = '{role}' AND key = ?)")
            params.append(key)
    if f.scope == "surveillance" and r.classified:
        where.append("p.is_surveillance")
    if f.capability:
        where.append("list_contains(p.capabilities, ?)")
        params.append(f.capability)
    if f.year is not None:
        where.append("p.year = ?")
        params.append(str(f.year))
    if f.since:
        where.append("p.year_date >= ?")
        params.append(f.since)
    if f.flag:
        where.append("list_contains(p.flags, ?)")
        params.append(f.flag)
    if f.bids:
        where.append("p.n_bids = 1" if f.bids == "single" else "p.n_bids >= 2")
    if f.region:
        where.append("list_contains(?, p.buyer_id)")
        params.append([b["buyer_id"] for b in _buyer_places(r) if b["district"] == f.region])
    return where, params


def list_purchases(r: Reader, filters: PurchaseFilters | None = None, *, sort: str = "-date", page: int = 1,
                   per_page: int = 50) -> Page:
    """Return one page of purchases (processes) matching ``filters``, with suppliers, bids and flags per row.

    Before classification has run, the 'surveillance' scope cannot be applied: all processes are listed and a
    note says so.
    """
    f = filters or PurchaseFilters()
    if sort not in SORTS:
        raise InputError(f"sort must be one of {', '.join(SORTS)}")
    page, per_page, offset = _paging(page, per_page)
    listed = "web_purchases" in r.present
    table = "web_purchases" if listed else "processes"
    where, params = _listing_where(r, f) if listed else _purchase_where(r, f)
    if listed and (f.buyer or f.supplier) and "web_org_listing" in r.present:
        # One organisation's purchases are one range of web_org_listing; the other organisation filter, if any,
        # stays a condition (on the few rows of that range).
        role = "buyer" if f.buyer else "supplier"
        table = "web_org_listing"
        where, params = _listing_where(r, PurchaseFilters(**{**f.__dict__, role: None}))
        where.insert(0, f"p.role = '{role}' AND p.key = ?")
        params.insert(0, f.buyer or f.supplier)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    count_key = ("count", table, clause, tuple(tuple(x) if isinstance(x, list) else x for x in params))
    total = r.memo.get(count_key)
    if total is None:
        total = r.scalar(f"SELECT count(*) FROM {table} p {clause}", params)
        if len(r.memo) < 4096:  # bounded: the store does not change while served, but filters are endless
            r.memo[count_key] = total
    notes = []
    if not r.classified:
        notes.append("not analysed yet: run `nadzor analyze` to pick out surveillance purchases; "
                     "all processes are listed")
    if listed:
        rows = r.rows(f"""SELECT ocid, title, buyer_id, buyer_name, date, year, value, currency, procurement_method,
                                 status, number_of_tenderers, suppliers, capabilities, flags, bids, buyer_key
                          FROM {table} p {clause} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?""",
                      params + [per_page, offset])
        return Page(rows=rows, total=total, page=page, per_page=per_page, notes=notes)
    rows = r.rows(
        f"""SELECT p.ocid, p.title, p.buyer_id, p.buyer_name, p.date, {_YEAR_DATE} AS year_date,
                   substr({_YEAR_DATE}, 1, 4) AS year, {_VALUE} AS value, {_VALUE_CCY} AS currency,
                   p.procurement_method, p.status, p.number_of_tenderers
            FROM processes p {clause} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?""",
        params + [per_page, offset],
    )
    _decorate(r, rows)
    return Page(rows=rows, total=total, page=page, per_page=per_page, notes=notes)


def _decorate(r: Reader, rows: list[dict]) -> None:
    """Add suppliers, bid counts, capabilities and flags to purchase rows (one query each for the whole page)."""
    if not rows:
        return
    ocids = [row["ocid"] for row in rows]
    by = {row["ocid"]: row for row in rows}
    for row in rows:
        row.update(suppliers=[], capabilities=[], flags=[], bids=None, buyer_key=row.get("buyer_id"))
        row.pop("year_date", None)
    key = _org_key_sql(r, "s.ocid", "s.supplier_id")
    for s in r.rows(f"""SELECT DISTINCT s.ocid, {key} AS key, s.supplier_name AS name FROM award_suppliers s
                       WHERE list_contains(?, s.ocid) ORDER BY 1, 3""", [ocids]):
        by[s["ocid"]]["suppliers"].append({"key": s["key"], "name": s["name"]})
    for b in r.rows("""SELECT ocid, count(DISTINCT coalesce(bid_id, CAST(bid_index AS VARCHAR))) AS n FROM bids
                       WHERE list_contains(?, ocid) GROUP BY ocid""", [ocids]):
        by[b["ocid"]]["bids"] = b["n"]
    for row in rows:
        if row["bids"] is None:
            row["bids"] = row["number_of_tenderers"]
    if r.classified:
        for c in r.rows("SELECT ocid, capabilities FROM classifications WHERE list_contains(?, ocid)", [ocids]):
            by[c["ocid"]]["capabilities"] = c["capabilities"] or []
    if r.has_findings:
        for fl in r.rows("""SELECT DISTINCT ocid, code FROM findings WHERE list_contains(?, ocid) ORDER BY 1, 2""",
                         [ocids]):
            by[fl["ocid"]]["flags"].append(fl["code"])
    if r.has_entities:
        for b in r.rows("""SELECT p.ocid, min(pe.entity_id) AS key FROM processes p JOIN party_entities pe
                           ON pe.ocid = p.ocid AND pe.party_id = p.buyer_id
                           WHERE list_contains(?, p.ocid) GROUP BY 1""", [ocids]):
            by[b["ocid"]]["buyer_key"] = b["key"]


# -- one process ---------------------------------------------------------------------------------------------

# Child tables of a process and the column their rows are shown in order of. The rows are sorted here rather
# than in SQL: an ORDER BY costs about a millisecond per query, and a process page runs one query per table.
_CHILDREN = {
    "lots": "locator", "items": "locator", "parties": "locator", "bids": "bid_index", "bid_tenderers": "bid_index",
    "awards": "award_index", "award_suppliers": "award_index", "contracts": "locator", "amendments": "locator",
    "documents": "locator",
}


def _sorted(rows: list[dict], *columns: str) -> list[dict]:
    """Sort rows like SQL ``ORDER BY columns`` (ascending, NULLS LAST); stable for ties."""
    return sorted(rows, key=lambda row: [(row[c] is None, row[c] if row[c] is not None else 0) for c in columns])


def _children(r: Reader, table: str, ocid: str, columns: str = "* EXCLUDE (ocid)") -> list[dict]:
    return _sorted(r.rows(f"SELECT {columns} FROM {table} WHERE ocid = ?", [ocid]), _CHILDREN[table])


def get_process(r: Reader, ocid: str) -> dict:
    """Return everything the store knows about one process: its fields, child records, classification with
    evidence, flags with explanations, and the source files it came from (publisher, licence, retrieval time).

    Raises NotFoundError for an unknown ocid.
    """
    p = r.one(f"""SELECT p.* EXCLUDE (compiled), {_VALUE} AS value, {_VALUE_CCY} AS currency,
                         substr({_YEAR_DATE}, 1, 4) AS year
                  FROM processes p WHERE p.ocid = ?""", [ocid])
    if p is None:
        raise NotFoundError(f"no process with ocid {ocid!r}")
    out: dict[str, Any] = {"process": p}
    for name in _CHILDREN:
        # An empty table (no lots or amendments in this store) costs a query per page for nothing.
        out[name] = _children(r, name, ocid) if name in r.nonempty and name != "award_suppliers" else []
    tenderers: dict[Any, list] = {}
    for t in out["bid_tenderers"]:
        tenderers.setdefault(t["bid_index"], []).append(t)
    for b in out["bids"]:
        b["tenderers"] = tenderers.get(b["bid_index"], [])
    suppliers: dict[Any, list] = {}
    skey = _org_key_sql(r, "s.ocid", "s.supplier_id")
    if "award_suppliers" in r.nonempty:
        out["award_suppliers"] = _sorted(r.rows(f"""SELECT s.* EXCLUDE (ocid), {skey} AS key FROM award_suppliers s
                                                    WHERE s.ocid = ?""", [ocid]), "award_index")
    for s in out["award_suppliers"]:
        suppliers.setdefault(s["award_index"], []).append(s)
    for a in out["awards"]:
        a["suppliers"] = suppliers.get(a["award_index"], [])
    out["buyer_key"] = p["buyer_id"]
    if r.has_entities and p["buyer_id"]:
        out["buyer_key"] = r.scalar("SELECT min(entity_id) FROM party_entities WHERE ocid = ? AND party_id = ?",
                                    [ocid, p["buyer_id"]]) or p["buyer_id"]
    out["classification"] = r.one("SELECT * FROM classifications WHERE ocid = ?", [ocid]) if r.classified else None
    out["classification_evidence"] = _sorted(
        r.rows("SELECT * EXCLUDE (ocid) FROM classification_evidence WHERE ocid = ?", [ocid]), "capability", "field"
    ) if r.classified else []
    out["flags"] = _sorted(r.rows("""SELECT code, indicator_version, subject_type, subject_id, value, explanation,
                                            evidence, details FROM findings WHERE ocid = ?""", [ocid]), "code"
                           ) if r.has_findings else []
    source_ids = {p["source_id"], *(row.get("source_id") for rows in out.values() if isinstance(rows, list)
                                   for row in rows if isinstance(row, dict))} - {None}
    out["sources"] = _sorted([dict(x) for x in _all_sources(r) if x["source_id"] in source_ids], "ingested_at")
    out["analysed"] = {"classified": r.classified, "findings": r.has_findings, "entities": r.has_entities}
    return out


def _all_sources(r: Reader) -> list[dict]:
    """Every source file (a short table), read once per reader: each process page names its sources."""
    if "sources" not in r.memo:
        r.memo["sources"] = r.rows("""SELECT source_id, original_path, archived_path, publisher, licence, origin_url,
                                             retrieved_at, ingested_at, format FROM sources ORDER BY source_id""")
    return r.memo["sources"]


def get_release(r: Reader, ocid: str):
    """Return the compiled release of a process as published (JSON text)."""
    ref = r.store.release_ref_sql("rel", "coalesce(CAST(p.compiled AS VARCHAR), CAST(rel.data AS VARCHAR))")
    row = r.cursor().execute(*_expand(f"""SELECT {ref} FROM processes p LEFT JOIN releases rel
                                          ON rel.release_key = p.compiled_from WHERE p.ocid = ?""", [ocid])).fetchone()
    if row is None:
        raise NotFoundError(f"no process with ocid {ocid!r}")
    return r.store.release_texts([row])[0]


# -- buyers and suppliers -------------------------------------------------------------------------------------

def _bid_count_sql(alias: str = "p") -> str:
    return (f"coalesce({alias}.number_of_tenderers, (SELECT count(DISTINCT coalesce(b.bid_id, "
            f"CAST(b.bid_index AS VARCHAR))) FROM bids b WHERE b.ocid = {alias}.ocid))")


def list_buyers(r: Reader, *, scope: str = "surveillance", only_one_supplier: bool = False, q: str | None = None,
                page: int = 1, per_page: int = 50) -> Page:
    """Return buyers with their number of purchases, suppliers, single-bid purchases and total value."""
    page, per_page, offset = _paging(page, per_page)
    where, params = _purchase_where(r, PurchaseFilters(scope=scope))
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    bkey = _org_key_sql(r, "p.ocid", "p.buyer_id")
    skey = _org_key_sql(r, "s.ocid", "s.supplier_id")
    having = ["key IS NOT NULL"]
    if only_one_supplier:
        having.append("suppliers = 1")
    hparams = []
    if q:
        having.append("nz_contains(name, ?)")
        hparams.append(q)
    sql = f"""WITH p AS (SELECT p.*, {bkey} AS key, {_bid_count_sql()} AS n_bids FROM processes p {clause}),
              s AS (SELECT DISTINCT s.ocid, {skey} AS skey FROM award_suppliers s WHERE s.ocid IN (SELECT ocid FROM p)),
              agg AS (
                SELECT p.key, max(p.buyer_name) AS name, count(DISTINCT p.ocid) AS purchases,
                       count(DISTINCT s.skey) AS suppliers,
                       count(DISTINCT CASE WHEN p.n_bids = 1 THEN p.ocid END) AS single_bid,
                       count(DISTINCT CASE WHEN p.n_bids >= 2 THEN p.ocid END) AS multiple_bids,
                       max({_YEAR_DATE}) AS latest
                FROM p LEFT JOIN s ON s.ocid = p.ocid GROUP BY p.key)
              SELECT * FROM agg WHERE {' AND '.join(having)}"""
    if q:
        _ensure_udfs(r)
    total = r.scalar(f"SELECT count(*) FROM ({sql})", params + hparams)
    rows = r.rows(f"{sql} ORDER BY purchases DESC, name LIMIT ? OFFSET ?", params + hparams + [per_page, offset])
    return Page(rows=rows, total=total, page=page, per_page=per_page)


def get_buyer(r: Reader, key: str, *, scope: str = "surveillance") -> dict:
    """Return one buyer: names used, purchases, suppliers with their shares, purchases per year.

    Raises NotFoundError when no process has this buyer.
    """
    if "web_org_purchases" in r.present:
        return _org_page(r, "buyer", key, scope)
    where, params = _purchase_where(r, PurchaseFilters(buyer=key, scope="all"))
    procs = r.rows(f"""SELECT p.ocid, p.title, p.buyer_id, p.buyer_name, {_YEAR_DATE} AS date,
                              substr({_YEAR_DATE}, 1, 4) AS year, {_VALUE} AS value, {_VALUE_CCY} AS currency,
                              p.number_of_tenderers AS bids
                       FROM processes p WHERE {' AND '.join(where)} ORDER BY date DESC NULLS LAST, p.ocid""", params)
    if not procs:
        raise NotFoundError(f"no buyer {key!r}")
    _fill_bids(r, procs)
    scoped = _in_scope(r, procs, scope)
    sk = [p["ocid"] for p in scoped]
    skey = _org_key_sql(r, "s.ocid", "s.supplier_id")
    suppliers = r.rows(f"""SELECT {skey} AS key, max(s.supplier_name) AS name, count(DISTINCT s.ocid) AS purchases
                           FROM award_suppliers s WHERE list_contains(?, s.ocid)
                           GROUP BY 1 ORDER BY purchases DESC, name""", [sk])
    names = sorted({p["buyer_name"] for p in procs if p["buyer_name"]})
    return {
        "key": key,
        "name": names[0] if names else key,
        "names": names,
        "district": _district_of_buyer(r, procs[0], names),
        "purchases": scoped[:500],
        "n_purchases": len(scoped),
        "n_processes": len(procs),
        "suppliers": suppliers,
        "single_bid": sum(1 for p in scoped if p["bids"] == 1),
        "per_year": _per_year(scoped),
        "flags": _org_flags(r, key, ("buyer", "procuring_entity"), sk),
        "entity": _entity(r, key),
        "analysed": {"classified": r.classified, "findings": r.has_findings, "entities": r.has_entities},
    }


def _org_page(r: Reader, role: str, key: str, scope: str) -> dict:
    """Build a buyer or supplier page from the precomputed ``web_org_purchases`` rows (one range read)."""
    rows = r.rows("SELECT * EXCLUDE (role, key) FROM web_org_purchases WHERE role = ? AND key = ?", [role, key])
    if not rows:
        raise NotFoundError(f"no {role} {key!r}")
    procs: dict[str, dict] = {}
    others: dict[str, dict] = {}
    other = "supplier" if role == "buyer" else "buyer"
    for x in rows:
        in_scope = scope == "all" or not r.classified or bool(x["is_surveillance"])
        p = procs.setdefault(x["ocid"], {"ocid": x["ocid"], "title": x["title"], "buyer_id": x["buyer_key"],
                                          "buyer_name": x["buyer_name"], "date": x["date"], "year": x["year"],
                                          "value": x["value"], "currency": x["currency"], "bids": x["bids"],
                                          "in_scope": in_scope})
        okey = x[f"{other}_key"]
        if okey and in_scope:
            o = others.setdefault(okey, {"key": okey, "name": x[f"{other}_name"], "ocids": set()})
            o["ocids"].add(p["ocid"])
    allp = list(procs.values())
    scoped = [p for p in allp if p.pop("in_scope")]
    partners = sorted(({"key": o["key"], "name": o["name"], "purchases": len(o["ocids"])} for o in others.values()),
                      key=lambda o: (-o["purchases"], o["name"] or ""))
    names = sorted({x[f"{role}_name"] for x in rows if x[f"{role}_name"]})
    analysed = {"classified": r.classified, "findings": r.has_findings, "entities": r.has_entities}
    sk = [p["ocid"] for p in scoped]
    if role == "buyer":
        return {"key": key, "name": names[0] if names else key, "names": names,
                "district": _district_of_buyer(r, {"ocid": allp[0]["ocid"], "buyer_id": key}, names),
                "purchases": scoped[:500], "n_purchases": len(scoped), "n_processes": len(allp),
                "suppliers": partners, "single_bid": sum(1 for p in scoped if p["bids"] == 1),
                "per_year": _per_year(scoped), "flags": _org_flags(r, key, ("buyer", "procuring_entity"), sk),
                "entity": _entity(r, key), "analysed": analysed}
    ent = _entity(r, key)
    display = (ent or {}).get("entity", {}) or {}
    return {"key": key, "name": display.get("name") or (names[0] if names else key), "names": names,
            "entity": ent, "purchases": scoped[:500], "n_purchases": len(scoped), "buyers": partners,
            "single_bid": sum(1 for p in scoped if p["bids"] == 1), "per_year": _per_year(scoped),
            "flags": _org_flags(r, key, ("supplier", "tenderer"), sk), "analysed": analysed}


def _fill_bids(r: Reader, procs: list[dict]) -> None:
    """Count published bids for the processes whose notice gives no number of tenderers."""
    missing = [p["ocid"] for p in procs if p["bids"] is None]
    if not missing:
        return
    counts = {b["ocid"]: b["n"] for b in r.rows(
        """SELECT ocid, count(DISTINCT coalesce(bid_id, CAST(bid_index AS VARCHAR))) AS n FROM bids
           WHERE list_contains(?, ocid) GROUP BY ocid""", [missing])}
    for p in procs:
        if p["bids"] is None:
            p["bids"] = counts.get(p["ocid"])


def _in_scope(r: Reader, procs: list[dict], scope: str) -> list[dict]:
    """Keep the surveillance purchases (all of them before classification has run, or for scope 'all')."""
    if scope == "all" or not r.classified:
        return procs
    keep = {x["ocid"] for x in r.rows("SELECT ocid FROM classifications WHERE is_surveillance AND list_contains(?, ocid)",
                                      [[p["ocid"] for p in procs]])}
    return [p for p in procs if p["ocid"] in keep]


def _district_of_buyer(r: Reader, proc: dict, names: list[str]) -> str | None:
    """The district a buyer's name names, else the one its address (as a party) names."""
    from nadzor.web.geo import district_of

    # Filter on ocid alone (the indexed column) and pick the buyer's row here: a second condition in SQL
    # turned the index lookup into a scan.
    place = next((x for x in r.rows("SELECT party_id, locality, region FROM parties WHERE ocid = ?", [proc["ocid"]])
                  if x["party_id"] == proc.get("buyer_id")), {})
    return district_of(*names, place.get("locality"), place.get("region"))


def _org_flags(r: Reader, key: str, subject_types: tuple, ocids: list[str]) -> list[dict]:
    """Findings about an organisation itself and about its purchases (two lookups the indexes answer)."""
    if not r.has_findings:
        return []
    own = r.rows(f"""SELECT code, subject_type, ocid, explanation, value FROM findings WHERE subject_id = ?
                     AND subject_type IN ({', '.join('?' * len(subject_types))}) ORDER BY code LIMIT 500""",
                 [key, *subject_types])
    of_purchases = r.rows("""SELECT code, subject_type, ocid, explanation, value FROM findings
                             WHERE list_contains(?, ocid) ORDER BY code, ocid LIMIT 500""", [ocids[:IN_LIST_MAX]])
    return own + [f for f in of_purchases if f not in own]


def _per_year(procs: list[dict]) -> list[dict]:
    counts: dict[str, int] = {}
    for p in procs:
        if p.get("year"):
            counts[p["year"]] = counts.get(p["year"], 0) + 1
    return [{"year": y, "purchases": n} for y, n in sorted(counts.items())]


def _entity(r: Reader, key: str) -> dict | None:
    """The entity behind a key, with every party name merged into it and why."""
    if not r.has_entities:
        return None
    ent = r.one("SELECT * FROM entities WHERE entity_id = ?", [key]) if "entities" in r.present else None
    merged = r.rows("""SELECT coalesce(pa.name, '') AS name, pe.rule, pe.reason, max(pe.score) AS score,
                              count(*) AS occurrences, min(pe.ocid) AS example_ocid
                       FROM party_entities pe LEFT JOIN parties pa ON pa.ocid = pe.ocid AND pa.party_id = pe.party_id
                       WHERE pe.entity_id = ? GROUP BY 1, 2, 3 ORDER BY occurrences DESC, name""", [key])
    if ent is None and not merged:
        return None
    return {"entity": ent, "merged": merged}


def list_suppliers(r: Reader, *, scope: str = "surveillance", q: str | None = None, page: int = 1,
                   per_page: int = 50) -> Page:
    """Return suppliers with their number of purchases and buyers."""
    page, per_page, offset = _paging(page, per_page)
    where, params = _purchase_where(r, PurchaseFilters(scope=scope))
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    skey = _org_key_sql(r, "s.ocid", "s.supplier_id")
    bkey = _org_key_sql(r, "p.ocid", "p.buyer_id")
    having, hparams = ["key IS NOT NULL"], []
    if q:
        having.append("nz_contains(name, ?)")
        hparams.append(q)
    sql = f"""WITH p AS (SELECT p.ocid, {bkey} AS bkey FROM processes p {clause}),
              agg AS (SELECT {skey} AS key, max(s.supplier_name) AS name, count(DISTINCT s.ocid) AS purchases,
                             count(DISTINCT p.bkey) AS buyers
                      FROM award_suppliers s JOIN p ON p.ocid = s.ocid GROUP BY 1)
              SELECT * FROM agg WHERE {' AND '.join(having)}"""
    if q:
        _ensure_udfs(r)
    total = r.scalar(f"SELECT count(*) FROM ({sql})", params + hparams)
    rows = r.rows(f"{sql} ORDER BY purchases DESC, name LIMIT ? OFFSET ?", params + hparams + [per_page, offset])
    return Page(rows=rows, total=total, page=page, per_page=per_page)


def get_supplier(r: Reader, key: str, *, scope: str = "surveillance") -> dict:
    """Return one supplier: the names merged into it and why, its buyers and purchases.

    Raises NotFoundError when no award names this supplier.
    """
    if "web_org_purchases" in r.present:
        return _org_page(r, "supplier", key, scope)
    ocids = [x["ocid"] for x in r.rows(_supplier_ocids_sql(r), [key, key] if r.has_entities else [key])]
    if not ocids:
        raise NotFoundError(f"no supplier {key!r}")
    procs = r.rows(f"""SELECT p.ocid, p.title, p.buyer_id, p.buyer_name, {_YEAR_DATE} AS date,
                              substr({_YEAR_DATE}, 1, 4) AS year, {_VALUE} AS value, {_VALUE_CCY} AS currency,
                              p.number_of_tenderers AS bids
                       FROM processes p WHERE list_contains(?, p.ocid) ORDER BY date DESC NULLS LAST, p.ocid""",
                   [sorted(set(ocids))])
    _fill_bids(r, procs)
    procs = _in_scope(r, procs, scope)
    bkey = _org_key_sql(r, "p.ocid", "p.buyer_id")
    buyers = r.rows(f"""SELECT {bkey} AS key, max(p.buyer_name) AS name, count(*) AS purchases FROM processes p
                        WHERE list_contains(?, p.ocid) GROUP BY 1 ORDER BY purchases DESC, name""",
                    [[p["ocid"] for p in procs]])
    ent_match = ("OR EXISTS (SELECT 1 FROM party_entities pe WHERE pe.ocid = s.ocid AND pe.party_id = s.supplier_id "
                 "AND pe.entity_id = ?)") if r.has_entities else ""
    names = [x["supplier_name"] for x in r.rows(
        f"""SELECT s.supplier_name, count(*) AS n FROM award_suppliers s
            WHERE (s.supplier_id = ? {ent_match}) AND s.supplier_name IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1""",
        [key, key] if r.has_entities else [key])]
    ent = _entity(r, key)
    display = (ent or {}).get("entity", {}) or {}
    return {
        "key": key,
        "name": display.get("name") or (names[0] if names else key),
        "names": names,
        "entity": ent,
        "purchases": procs[:500],
        "n_purchases": len(procs),
        "buyers": buyers,
        "single_bid": sum(1 for p in procs if p["bids"] == 1),
        "per_year": _per_year(procs),
        "flags": _org_flags(r, key, ("supplier", "tenderer"), [p["ocid"] for p in procs]),
        "analysed": {"classified": r.classified, "findings": r.has_findings, "entities": r.has_entities},
    }


# -- flags and indicators ----------------------------------------------------------------------------------------

def _definitions() -> dict:
    from nadzor.plugins import collect

    out = {}
    for d in collect("register_indicators"):
        code = getattr(d, "code", None)
        if code:
            out[code] = d
    return out


def list_flags(r: Reader, *, code: str | None = None, subject_type: str | None = None, page: int = 1,
               per_page: int = 50) -> Page:
    """Return findings (flags), newest indicator codes first; each is a risk indicator, not proof."""
    page, per_page, offset = _paging(page, per_page)
    if not r.has_findings:
        return Page(rows=[], total=0, page=page, per_page=per_page,
                    notes=["not analysed yet: run `nadzor analyze` to compute the indicators"])
    where, params = [], []
    if code:
        where.append("f.code = ?")
        params.append(code)
    if subject_type:
        where.append("f.subject_type = ?")
        params.append(subject_type)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    total = r.scalar(f"SELECT count(*) FROM findings f {clause}", params)
    rows = r.rows(f"""SELECT f.code, f.indicator_version, f.subject_type, f.subject_id, f.ocid, f.value,
                             f.explanation, f.evidence, p.title, p.buyer_name
                      FROM findings f LEFT JOIN processes p ON p.ocid = f.ocid {clause}
                      ORDER BY f.code, f.ocid, f.subject_id LIMIT ? OFFSET ?""", params + [per_page, offset])
    return Page(rows=rows, total=total, page=page, per_page=per_page)


@_memoised
def list_indicators(r: Reader) -> list[dict]:
    """Return every registered indicator (and any code found in findings) with its number of findings."""
    counts = {x["code"]: x["n"] for x in r.rows("SELECT code, count(*) AS n FROM findings GROUP BY 1")} \
        if r.has_findings else {}
    defs = _definitions()
    out = []
    for code in sorted(set(defs) | set(counts)):
        d = defs.get(code)
        out.append({"code": code, "title": getattr(d, "title", None) or code,
                    "family": getattr(d, "family", None), "version": getattr(d, "version", None),
                    "findings": counts.get(code, 0), "documented": d is not None})
    return out


def get_indicator(r: Reader, code: str, *, page: int = 1, per_page: int = 50) -> dict:
    """Return one indicator's documentation and a page of its findings. Raises NotFoundError if unknown."""
    defs = _definitions()
    d = defs.get(code)
    flags = list_flags(r, code=code, page=page, per_page=per_page)
    if d is None and flags.total == 0:
        raise NotFoundError(f"no indicator {code!r}")
    return {"code": code, "definition": d.model_dump() if hasattr(d, "model_dump") else None, "findings": flags}


# -- search ------------------------------------------------------------------------------------------------------

def _ensure_udfs(r: Reader) -> None:
    """Register the normalising SQL functions once per database (cursors share them)."""
    with _UDF_LOCK:
        if getattr(r, "_udfs", False):
            return

        def contains(text, q):
            return bool(text) and normalise(q) in normalise(text)

        for name, fn, ret in (("nz_norm", normalise, sqltypes.VARCHAR), ("nz_contains", contains, sqltypes.BOOLEAN)):
            args = [sqltypes.VARCHAR] * (1 if name == "nz_norm" else 2)
            try:
                r._con.create_function(name, fn, args, ret, null_handling="special", side_effects=False)
            except (duckdb.CatalogException, duckdb.NotImplementedException):
                pass  # registered by an earlier Reader on the same connection
        r._udfs = True


_UDF_LOCK = threading.Lock()


# Above this many texts for one word of a query, the word narrows too little: the next word is tried, and when
# none narrows, the scan of search_index runs (it then stops early, as matches are frequent).
WORD_CANDIDATES = 5000
_WORD = r"[\pL\pN]"  # nadzor.web.prepare.WORD, one letter or digit


def _word_hits(r: Reader, qn: str, limit: int) -> list[dict] | None:
    """Find texts containing ``qn`` through ``search_words``; None when the words narrow too little to help.

    Each run of letters and digits in the query is a word of the text (a run inside the query), or the end of
    one (the query's first run), or its start (the last run), or part of one (a query that is one run). The texts
    of the narrowest runs are read and then checked for the whole query, so the result is what a scan finds.
    """
    if qn.isascii():
        # For ASCII, RE2's letters and digits are [a-z0-9] (the text is lower case): split here, without a query
        # (compiling the Unicode classes costs DuckDB milliseconds per statement).
        q = {"runs": re.findall("[a-z0-9]+", qn), "open_start": bool(re.match("[a-z0-9]", qn)),
             "open_end": bool(re.search("[a-z0-9]$", qn))}
    else:
        q = r.one(f"SELECT regexp_extract_all(?, '{_WORD}+') AS runs, regexp_matches(?, '^{_WORD}') AS open_start, "
                  f"regexp_matches(?, '{_WORD}$') AS open_end", [qn, qn, qn])
    runs = q["runs"] or []
    docs: set | None = None
    # Exact and prefix words are ranges of the sorted table; suffixes and infixes need the vocabulary scanned.
    order = sorted(range(len(runs)), key=lambda i: ((i == 0 and q["open_start"]), -len(runs[i])))
    for i in order:
        start, end = i == 0 and q["open_start"], i == len(runs) - 1 and q["open_end"]
        word = runs[i]
        if not start and not end:
            found = r.rows("SELECT doc FROM search_words WHERE word = ? LIMIT ?", [word, WORD_CANDIDATES + 1])
        elif not start:
            found = r.rows("""SELECT doc FROM search_words WHERE word >= ? AND word < ? AND starts_with(word, ?)
                              LIMIT ?""", [word, word + "\U0010ffff", word, WORD_CANDIDATES + 1])
        else:
            if end and len(runs) == 1 and len(r.rows(
                    "SELECT 1 FROM search_words WHERE word >= ? AND word < ? AND starts_with(word, ?) LIMIT ?",
                    [word, word + "\U0010ffff", word, WORD_CANDIDATES + 1])) > WORD_CANDIDATES:
                return None  # a common word: the scan meets enough matches early, the vocabulary scan would not
            test = "contains(word, ?)" if end else "suffix(word, ?)"
            words = [x["word"] for x in r.rows(f"SELECT word FROM search_vocab WHERE {test} LIMIT 1001", [word])]
            if len(words) > 1000:
                continue
            found = r.rows("SELECT doc FROM search_words WHERE list_contains(?, word) LIMIT ?",
                           [words, WORD_CANDIDATES + 1]) if words else []
        if len(found) > WORD_CANDIDATES:
            continue
        found_docs = {x["doc"] for x in found}
        docs = found_docs if docs is None else docs & found_docs
        if len(docs) <= 50:
            break
    if docs is None:
        return None
    if not docs:
        return []
    if len(docs) <= POINT_LOOKUPS:
        table = _point_lookups("search_index", "doc", len(docs))
        rows = r.rows(f"SELECT kind, key, ocid, field, text, norm, doc FROM {table}", sorted(docs))
    else:
        rows = r.rows("SELECT kind, key, ocid, field, text, norm, doc FROM search_index WHERE list_contains(?, doc)",
                      [sorted(docs)])
    hits = sorted((x for x in rows if qn in x["norm"]), key=lambda x: x["doc"])[:limit]
    return [{k: x[k] for k in ("kind", "key", "ocid", "field", "text")} for x in hits]


def search(r: Reader, q: str, *, limit: int = 50) -> dict:
    """Find purchases by title or item description and organisations by name, whatever the script.

    The query and the texts are both transliterated to Latin and folded ("камере" finds "Kamere", "Čačak" finds
    "Cacak"). Uses the precomputed ``search_index`` when analysis built it, else normalises on the fly.
    """
    qn = normalise(q)
    if len(qn) < 2:
        raise InputError("search for at least two letters")
    if not 1 <= limit <= MAX_PER_PAGE:
        raise InputError(f"limit must be between 1 and {MAX_PER_PAGE}")
    hits = _word_hits(r, qn, limit * 4) if "search_words" in r.present else None
    if hits is not None:
        pass
    elif "search_index" in r.present:
        hits = r.rows("""SELECT kind, key, ocid, field, text FROM search_index WHERE contains(norm, ?)
                         LIMIT ?""", [qn, limit * 4])
    else:
        _ensure_udfs(r)
        hits = r.rows("""
            SELECT * FROM (
              SELECT 'process' AS kind, ocid AS key, ocid, 'tender/title' AS field, title AS text FROM processes
              UNION ALL SELECT 'process', ocid, ocid, 'items/description', description FROM items
              UNION ALL SELECT 'buyer', buyer_id, ocid, 'buyer/name', buyer_name FROM processes
              UNION ALL SELECT 'supplier', supplier_id, ocid, 'awards/suppliers/name', supplier_name FROM award_suppliers
            ) WHERE text IS NOT NULL AND contains(nz_norm(text), ?) LIMIT ?""",
                      [qn, limit * 4])
    purchases: dict[str, dict] = {}
    orgs: dict[tuple, dict] = {}
    for h in hits:
        if h["kind"] == "process":
            purchases.setdefault(h["ocid"], {"ocid": h["ocid"], "matches": []})["matches"].append(
                {"field": h["field"], "text": h["text"]})
        else:
            orgs.setdefault((h["kind"], h["key"]), {"role": h["kind"], "key": h["key"], "name": h["text"]})
    if r.has_entities and orgs:
        ents = {x["party_id"]: x["entity_id"] for x in r.rows(
            "SELECT party_id, min(entity_id) AS entity_id FROM party_entities WHERE list_contains(?, party_id) GROUP BY 1",
            [[k for _, k in orgs]])}
        merged: dict[tuple, dict] = {}
        for (kind, key), o in orgs.items():
            o["key"] = ents.get(key, key)
            merged.setdefault((kind, o["key"]), o)
        orgs = merged
    plist = list(purchases.values())[:limit]
    if plist:
        titles = {x["ocid"]: x for x in r.rows(
            "SELECT ocid, title, buyer_name, substr(coalesce(tender_start, date), 1, 4) AS year FROM processes "
            "WHERE list_contains(?, ocid)", [[p["ocid"] for p in plist]])}
        for p in plist:
            p.update({k: v for k, v in titles.get(p["ocid"], {}).items() if k != "ocid"})
    return {"q": q, "normalised": qn, "purchases": plist, "organisations": list(orgs.values())[:limit],
            "indexed": "search_index" in r.present}


# -- overview, sources, charts -------------------------------------------------------------------------------------

@_memoised
def overview(r: Reader) -> dict:
    """Return the headline numbers, each with the filters that list the records behind it."""
    n_processes = r.scalar("SELECT count(*) FROM processes")
    scope = "surveillance" if r.classified else "all"
    where, params = _purchase_where(r, PurchaseFilters(scope=scope))
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    bkey = _org_key_sql(r, "p.ocid", "p.buyer_id")
    skey = _org_key_sql(r, "s.ocid", "s.supplier_id")
    stats = r.one(f"""
        WITH p AS (SELECT p.ocid, {bkey} AS bkey, {_bid_count_sql()} AS n_bids FROM processes p {clause}),
             s AS (SELECT DISTINCT s.ocid, {skey} AS skey FROM award_suppliers s WHERE s.ocid IN (SELECT ocid FROM p)),
             b AS (SELECT p.bkey, count(DISTINCT s.skey) AS n_sup FROM p LEFT JOIN s ON s.ocid = p.ocid
                   WHERE p.bkey IS NOT NULL GROUP BY 1)
        SELECT (SELECT count(*) FROM p) AS purchases,
               (SELECT count(*) FROM b) AS buyers,
               (SELECT count(*) FROM b WHERE n_sup = 1) AS buyers_one_supplier,
               (SELECT count(DISTINCT skey) FROM s) AS suppliers,
               (SELECT count(*) FROM p WHERE n_bids = 1) AS single_bid,
               (SELECT count(*) FROM p WHERE n_bids >= 2) AS multiple_bids,
               (SELECT count(*) FROM p WHERE n_bids IS NULL) AS bids_unknown""", params)
    caps = list_capabilities(r)
    flags = r.rows("SELECT code, count(*) AS n FROM findings GROUP BY 1 ORDER BY n DESC, code") \
        if r.has_findings else []
    return {
        "n_processes": n_processes,
        "scope": scope,
        "stats": stats,
        "capabilities": caps,
        "flags": flags,
        "per_year": purchases_per_year(r, scope=scope),
        "top_suppliers": list_suppliers(r, scope=scope, per_page=10).rows,
        "sources": list_sources(r)[:20],
        "analysed": {"classified": r.classified, "findings": r.has_findings, "entities": r.has_entities},
    }


@_memoised
def list_capabilities(r: Reader) -> list[dict]:
    """Return the surveillance capabilities found, with their number of purchases."""
    if not r.classified:
        return []
    return r.rows("""SELECT cap AS capability, count(*) AS purchases FROM
                     (SELECT unnest(capabilities) AS cap FROM classifications WHERE is_surveillance)
                     GROUP BY 1 ORDER BY purchases DESC, cap""")


@_memoised
def list_years(r: Reader) -> list[str]:
    """Return the years that have processes, newest first."""
    return [x["y"] for x in r.rows(
        f"SELECT DISTINCT substr({_YEAR_DATE}, 1, 4) AS y FROM processes p WHERE y IS NOT NULL ORDER BY y DESC")]


@_memoised
def purchases_per_year(r: Reader, *, scope: str = "surveillance") -> list[dict]:
    """Return purchases per year, with how many of them had a single bid."""
    where, params = _purchase_where(r, PurchaseFilters(scope=scope))
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    return r.rows(f"""SELECT substr({_YEAR_DATE}, 1, 4) AS year, count(*) AS purchases,
                             count(*) FILTER (WHERE {_bid_count_sql()} = 1) AS single_bid
                      FROM processes p {clause} GROUP BY 1 HAVING year IS NOT NULL ORDER BY 1""", params)


@_memoised
def district_counts(r: Reader, *, scope: str = "surveillance") -> dict:
    """Return purchases and distinct buyers per district (buyers placed by the municipality in their name)."""
    from nadzor.web.geo import district_names

    where, params = _purchase_where(r, PurchaseFilters(scope=scope))
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    places = {b["buyer_id"]: b["district"] for b in _buyer_places(r)}
    per_buyer = r.rows(f"SELECT p.buyer_id, count(*) AS n FROM processes p {clause} GROUP BY 1", params)
    counts = {d: {"district": d, "purchases": 0, "buyers": 0} for d in district_names()}
    unplaced = 0
    for b in per_buyer:
        d = places.get(b["buyer_id"])
        if d in counts:
            counts[d]["purchases"] += b["n"]
            counts[d]["buyers"] += 1
        else:
            unplaced += b["n"]
    cameras = _district_cameras(r)
    for d, c in counts.items():
        c["cameras"] = cameras.get(d)
    return {"districts": list(counts.values()), "unplaced": unplaced, "has_cameras": bool(cameras)}


def _district_cameras(r: Reader) -> dict:
    """Cameras per district from the evidence stage (the largest of registry points, reported and contracted
    counts), keyed by the polygon name; empty when no camera data is loaded."""
    if not ({"cameras", "camera_counts"} & r.nonempty):
        return {}
    try:
        from nadzor.evidence.cameras import districts_geojson
    except ImportError:
        return {}
    out = {}
    for f in districts_geojson(r)["features"]:
        p = f["properties"]
        n = max(p.get("cameras_registry") or 0, p.get("cameras_reported") or 0, p.get("cameras_contracted") or 0)
        if p.get("name_ne"):
            out[p["name_ne"]] = n
    return out


def _buyer_places(r: Reader) -> list[dict]:
    """Every buyer id with the district its name (or else its address) names; cached per reader."""
    cached = getattr(r, "_places", None)
    if cached is not None:
        return cached
    from nadzor.web.geo import district_of

    rows = r.rows("""SELECT p.buyer_id, max(p.buyer_name) AS name, max(pa.locality) AS locality,
                            max(pa.region) AS region
                     FROM processes p LEFT JOIN parties pa ON pa.ocid = p.ocid AND pa.party_id = p.buyer_id
                     WHERE p.buyer_id IS NOT NULL GROUP BY 1""")
    for b in rows:
        b["district"] = district_of(b["name"], b["locality"], b["region"])
    r._places = rows
    return rows


def list_sources(r: Reader) -> list[dict]:
    """Return the completely ingested source files with publisher, licence and retrieval time."""
    return r.rows("""SELECT source_id, original_path, publisher, licence, origin_url, retrieved_at, ingested_at,
                            n_releases FROM sources WHERE status = 'complete'
                     ORDER BY ingested_at DESC NULLS LAST, source_id""")


def purchase_where(r: Reader, f: PurchaseFilters) -> tuple[list[str], list]:
    """Return SQL conditions (on ``processes p``) and parameters for ``f``, for exporters that stream rows."""
    return _purchase_where(r, f)
