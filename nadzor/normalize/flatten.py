"""Flatten compiled releases into the model tables, in SQL (DuckDB), one pass per batch.

Input: a table ``_flat(ocid, source_id, locator, r, compiled, compiled_from, release_count)`` where ``r`` is each
process's compiled release parsed with ``json_transform(text, STRUCTURE)`` (the ingest makes it straight from the
staged text when a process is one compiled release, so that JSON is parsed once, and from ocdsmerge's output
otherwise). Rows go to the tables ``into`` names (temporary copies, so that checks afterwards read only this batch).
Array elements may carry ``__nz_origin`` ("source_id|pointer", see nadzor.normalize.compile) when the process was
merged from several releases; otherwise a row's locator is the document's locator plus the element's pointer.
Values of the wrong JSON type become NULL here; the release as published stays in the store
(``releases.data``, or the archived file it references; see ``Store.release_texts``).
"""

from __future__ import annotations

__all__ = ["STRUCTURE", "TABLES", "flatten_structs"]

TABLES = ["processes", "lots", "items", "parties", "bids", "bid_tenderers", "awards", "award_suppliers", "contracts",
          "amendments", "documents"]

_S = "VARCHAR"
_VALUE = {"amount": "DOUBLE", "currency": _S}
_ORG = {"id": _S, "name": _S}
_ORIGIN = {"__nz_origin": _S}
_CLASS = {"scheme": _S, "id": _S, "description": _S}
# Typed structs, not "JSON": DuckDB extracts raw JSON sub-documents much more slowly.
_ITEM = {"id": _S, "description": _S, "classification": _CLASS,
         "additionalClassifications": [_CLASS], "quantity": "DOUBLE",
         "unit": {"name": _S, "value": _VALUE}, "relatedLot": _S, **_ORIGIN}
_AMEND = {"id": _S, "date": _S, "rationale": _S, "description": _S, "amendsReleaseID": _S, "releaseID": _S,
          **_ORIGIN}
_DOC = {"id": _S, "documentType": _S, "title": _S, "description": _S, "url": _S, "format": _S, "language": _S,
        "datePublished": _S, **_ORIGIN}

STRUCTURE = {
    "ocid": _S, "date": _S, "language": _S,
    "buyer": _ORG,
    "planning": {"documents": [_DOC]},
    "tender": {
        "title": _S, "description": _S, "status": _S, "procuringEntity": _ORG,
        "procurementMethod": _S, "procurementMethodDetails": _S, "mainProcurementCategory": _S,
        "value": _VALUE, "tenderPeriod": {"startDate": _S, "endDate": _S}, "numberOfTenderers": "DOUBLE",
        "items": [_ITEM],
        "lots": [{"id": _S, "title": _S, "description": _S, "status": _S, "value": _VALUE, **_ORIGIN}],
        "documents": [_DOC], "amendments": [_AMEND],
    },
    "parties": [{
        "id": _S, "name": _S, "identifier": {"scheme": _S, "id": _S, "legalName": _S},
        "additionalIdentifiers": [{"scheme": _S, "id": _S, "legalName": _S}], "roles": [_S],
        "address": {"streetAddress": _S, "locality": _S, "region": _S, "postalCode": _S, "countryName": _S},
        **_ORIGIN,
    }],
    "bids": {"details": [{"id": _S, "status": _S, "date": _S, "value": _VALUE, "relatedLots": [_S],
                          "tenderers": [_ORG], **_ORIGIN}]},
    "awards": [{"id": _S, "title": _S, "status": _S, "date": _S, "value": _VALUE, "relatedLots": [_S],
                "relatedBid": _S, "relatedBids": [_S], "numberOfTenderers": "DOUBLE", "suppliers": [_ORG],
                "items": [_ITEM], "documents": [_DOC], "amendments": [_AMEND], **_ORIGIN}],
    "contracts": [{"id": _S, "awardID": _S, "title": _S, "status": _S,
                   "period": {"startDate": _S, "endDate": _S}, "dateSigned": _S, "value": _VALUE,
                   "items": [_ITEM], "documents": [_DOC], "amendments": [_AMEND],
                   "implementation": {"documents": [_DOC]}, **_ORIGIN}],
}


def _origin(el: str, fallback: str) -> tuple[str, str]:
    """SQL for (source_id, locator) of an element: its origin mark, else the document's plus a pointer."""
    return (
        f"coalesce(split_part({el}.__nz_origin, '|', 1), d.source_id)",
        f"coalesce(split_part({el}.__nz_origin, '|', 2), {fallback})",
    )


def _int(expr: str) -> str:
    # numberOfTenderers must be a whole number; 1.5, "x" or 1e300 (beyond BIGINT) become NULL (and are not counted)
    return f"CASE WHEN {expr} = floor({expr}) THEN TRY_CAST({expr} AS BIGINT) END"


def flatten_structs(con, into: dict[str, str] | None = None) -> None:
    """Insert rows for every parsed compiled release in ``_flat`` into processes and the model tables (or the
    tables ``into`` maps their names to)."""
    into = {t: (into or {}).get(t, t) for t in TABLES}
    # Elements with their index (1-based from generate_subscripts; pointers are 0-based).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _awards AS
        SELECT d.ocid, d.source_id, d.locator, unnest(d.r.awards) AS a, generate_subscripts(d.r.awards, 1) - 1 AS i
        FROM _flat d WHERE len(d.r.awards) > 0
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _contracts AS
        SELECT d.ocid, d.source_id, d.locator, unnest(d.r.contracts) AS c,
               generate_subscripts(d.r.contracts, 1) - 1 AS i
        FROM _flat d WHERE len(d.r.contracts) > 0
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _bids AS
        SELECT d.ocid, d.source_id, d.locator, unnest(d.r.bids.details) AS b,
               generate_subscripts(d.r.bids.details, 1) - 1 AS i
        FROM _flat d WHERE len(d.r.bids.details) > 0
    """)

    # processes ------------------------------------------------------------------------------------------------
    con.execute(f"""
        INSERT INTO {into['processes']} (ocid, compiled, compiled_from, release_count, date, title, description,
            status, buyer_id, buyer_name, procuring_entity_id,
            procuring_entity_name, procurement_method, procurement_method_details, main_procurement_category,
            tender_value_amount, tender_value_currency, tender_start, tender_end, number_of_tenderers, language,
            source_id, locator)
        SELECT d.ocid, d.compiled, d.compiled_from, d.release_count, r.date, r.tender.title, r.tender.description, r.tender.status, r.buyer.id, r.buyer.name,
            r.tender.procuringEntity.id, r.tender.procuringEntity.name, r.tender.procurementMethod,
            r.tender.procurementMethodDetails, r.tender.mainProcurementCategory, r.tender.value.amount,
            r.tender.value.currency, r.tender.tenderPeriod.startDate, r.tender.tenderPeriod.endDate,
            {_int('r.tender.numberOfTenderers')}, r.language, d.source_id, d.locator
        FROM _flat d
    """)

    # parties --------------------------------------------------------------------------------------------------
    src, loc = _origin("p", "d.locator || '/parties/' || i")
    con.execute(f"""
        INSERT INTO {into['parties']}
        SELECT ocid, p.id, p.name, p.identifier.scheme, p.identifier.id, p.identifier.legalName,
            CASE WHEN len(p.additionalIdentifiers) > 0 THEN to_json(p.additionalIdentifiers) END, p.roles, p.address.streetAddress, p.address.locality, p.address.region,
            p.address.postalCode, p.address.countryName, {src}, {loc}
        FROM (SELECT d.ocid, d.source_id, d.locator, unnest(d.r.parties) AS p,
                     generate_subscripts(d.r.parties, 1) - 1 AS i FROM _flat d WHERE len(d.r.parties) > 0) d
    """)

    # lots -----------------------------------------------------------------------------------------------------
    src, loc = _origin("l", "d.locator || '/tender/lots/' || i")
    con.execute(f"""
        INSERT INTO {into['lots']}
        SELECT ocid, l.id, l.title, l.description, l.status, l.value.amount, l.value.currency, {src}, {loc}
        FROM (SELECT d.ocid, d.source_id, d.locator, unnest(d.r.tender.lots) AS l,
                     generate_subscripts(d.r.tender.lots, 1) - 1 AS i FROM _flat d
              WHERE len(d.r.tender.lots) > 0) d
    """)

    # items (tender, lot descriptions, award and contract items) ------------------------------------------------
    def item_select(origin: str, parent_id: str, el: str, base_src: str, base_loc: str) -> str:
        return f"""
            SELECT ocid, '{origin}', {parent_id}, {el}.id, {el}.description, {el}.classification.scheme,
                {el}.classification.id, {el}.classification.description,
                CASE WHEN len({el}.additionalClassifications) > 0 THEN to_json({el}.additionalClassifications) END,
                {el}.quantity, {el}.unit.name, {el}.unit.value.amount, {el}.unit.value.currency, {el}.relatedLot,
                coalesce(split_part({el}.__nz_origin, '|', 1), {base_src}),
                coalesce(split_part({el}.__nz_origin, '|', 2), {base_loc})
        """

    con.execute(f"INSERT INTO {into['items']} " + item_select("tender", "NULL", "it", "d.source_id",
                                                    "d.locator || '/tender/items/' || j") + """
        FROM (SELECT d.ocid, d.source_id, d.locator, unnest(d.r.tender.items) AS it,
                     generate_subscripts(d.r.tender.items, 1) - 1 AS j FROM _flat d
              WHERE len(d.r.tender.items) > 0) d
    """)
    con.execute(f"""
        INSERT INTO {into['items']} (ocid, origin, parent_id, item_id, description, source_id, locator)
        SELECT ocid, 'lot', lot_id, lot_id, concat_ws(' - ', title, description), source_id, locator
        FROM {into['lots']} WHERE ocid IN (SELECT ocid FROM _flat) AND (title IS NOT NULL OR description IS NOT NULL)
    """)
    for table, alias, origin in (("_awards", "a", "award"), ("_contracts", "c", "contract")):
        parent_src, parent_loc = _origin(alias, f"d.locator || '/{table[1:]}/' || d.i")
        con.execute(f"INSERT INTO {into['items']} " + item_select(
            origin, f"d.{alias}.id", "it", "d.psrc", "d.ploc || '/items/' || j") + f"""
            FROM (SELECT d.ocid, d.{alias}, {parent_src} AS psrc, {parent_loc} AS ploc,
                         unnest(d.{alias}.items) AS it, generate_subscripts(d.{alias}.items, 1) - 1 AS j
                  FROM {table} d WHERE len(d.{alias}.items) > 0) d
        """)

    # bids and tenderers ---------------------------------------------------------------------------------------
    src, loc = _origin("b", "d.locator || '/bids/details/' || d.i")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _bids2 AS
        SELECT d.ocid, d.b, d.i, {src} AS src, {loc} AS loc FROM _bids d
    """)
    con.execute(f"""
        INSERT INTO {into['bids']} SELECT ocid, b.id, i, b.status, b.date, b.value.amount, b.value.currency, b.relatedLots,
            src, loc FROM _bids2
    """)
    con.execute(f"""
        INSERT INTO {into['bid_tenderers']}
        SELECT ocid, b.id, i, t.id, t.name, src, loc || '/tenderers/' || k
        FROM (SELECT ocid, b, i, src, loc, unnest(b.tenderers) AS t, generate_subscripts(b.tenderers, 1) - 1 AS k
              FROM _bids2 WHERE len(b.tenderers) > 0)
    """)

    # awards and suppliers -------------------------------------------------------------------------------------
    src, loc = _origin("a", "d.locator || '/awards/' || d.i")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _awards2 AS
        SELECT d.ocid, d.a, d.i, {src} AS src, {loc} AS loc FROM _awards d
    """)
    con.execute(f"""
        INSERT INTO {into['awards']} SELECT ocid, a.id, i, a.title, a.status, a.date, a.value.amount, a.value.currency,
            a.relatedLots,
            CASE WHEN a.relatedBids IS NOT NULL AND len(a.relatedBids) > 0 THEN a.relatedBids
                 WHEN a.relatedBid IS NOT NULL THEN [a.relatedBid] END,
            {_int('a.numberOfTenderers')}, src, loc
        FROM _awards2
    """)
    con.execute(f"""
        INSERT INTO {into['award_suppliers']}
        SELECT ocid, a.id, i, s.id, s.name, src, loc || '/suppliers/' || k
        FROM (SELECT ocid, a, i, src, loc, unnest(a.suppliers) AS s, generate_subscripts(a.suppliers, 1) - 1 AS k
              FROM _awards2 WHERE len(a.suppliers) > 0)
    """)

    # contracts ------------------------------------------------------------------------------------------------
    src, loc = _origin("c", "d.locator || '/contracts/' || d.i")
    con.execute(f"""
        INSERT INTO {into['contracts']} SELECT d.ocid, c.id, c.awardID, c.title, c.status, c.period.startDate,
            c.period.endDate, c.dateSigned, c.value.amount, c.value.currency, {src}, {loc}
        FROM _contracts d
    """)

    # amendments and documents (tender, award, contract, planning, implementation) -------------------------------
    amend_el = "x.id, x.date, x.rationale, x.description, x.amendsReleaseID, x.releaseID"
    doc_el = "x.id, x.documentType, x.title, x.description, x.url, x.format, x.language, x.datePublished"
    for kind in ("tender", "award", "contract"):
        _children_rows(con, kind, "amendments", amend_el, into["amendments"])
    for kind, column in (("planning", "documents"), ("tender", "documents"), ("award", "documents"),
                         ("contract", "documents"), ("implementation", "implementation.documents")):
        _children_rows(con, kind, column, doc_el, into["documents"])


def _children_rows(con, kind: str, column: str, select_el: str, target: str) -> None:
    """Insert amendments or documents of the tender/planning, or of each award/contract."""
    path = column.replace(".", "/")
    if kind in ("tender", "planning"):
        arr = f"d.r.{kind}.{column}"
        frm = "_flat d"
        parent_id = "NULL"
        base_src = "d.source_id"
        base_loc = f"d.locator || '/{kind}/{path}/'"
    else:
        alias, table = ("a", "_awards") if kind == "award" else ("c", "_contracts")
        arr = f"d.{alias}.{column}"
        frm = f"{table} d"
        parent_id = f"d.{alias}.id"
        psrc, ploc = _origin(alias, f"d.locator || '/{table[1:]}/' || d.i")
        base_src = psrc
        base_loc = f"{ploc} || '/{path}/'"
    parent = "contract" if kind == "implementation" else kind
    con.execute(f"""
        INSERT INTO {target}
        SELECT ocid, '{parent}', parent_id, {select_el},
            coalesce(split_part(x.__nz_origin, '|', 1), bsrc),
            coalesce(split_part(x.__nz_origin, '|', 2), bloc || j)
        FROM (SELECT d.ocid, {parent_id} AS parent_id, unnest({arr}) AS x,
                     generate_subscripts({arr}, 1) - 1 AS j, {base_src} AS bsrc, {base_loc} AS bloc
              FROM {frm} WHERE len({arr}) > 0)
    """)
