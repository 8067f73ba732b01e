"""Suppliers and buyers as entities: what the ``suppliers`` / ``buyers`` commands and the web app list.

Each row: entity_id, name, names, identifiers, processes, buyers (or suppliers), surveillance_processes,
surveillance_buyers (or surveillance_suppliers), value_by_currency ({currency: summed award value}). Values are
summed per currency and never converted. An award with two suppliers counts in full for each.
Run ``nadzor analyze`` (or ``build_entities``) first: without entities the lists are empty.
"""

from __future__ import annotations

import json

from nadzor.analysis.views import with_views
from nadzor.exceptions import NotFoundError

__all__ = ["SUPPLIER_COLUMNS", "BUYER_COLUMNS", "list_suppliers", "get_supplier", "list_buyers", "get_buyer",
           "explain_entity"]

SUPPLIER_COLUMNS = ["entity_id", "name", "names", "identifiers", "processes", "buyers", "surveillance_processes",
                    "surveillance_buyers", "value_by_currency"]
BUYER_COLUMNS = ["entity_id", "name", "names", "identifiers", "processes", "suppliers", "surveillance_processes",
                 "surveillance_suppliers", "value_by_currency"]

_SUPPLIERS = """
, facts AS (
    SELECT sa.entity_id, sa.ocid, sa.award_id, sa.award_index, sa.value_amount, sa.value_currency,
           pb.entity_id AS other, (s.ocid IS NOT NULL) AS surv
    FROM supplier_awards sa
    LEFT JOIN process_buyers pb ON pb.ocid = sa.ocid
    LEFT JOIN surveillance s ON s.ocid = sa.ocid
)
"""

_BUYERS = """
, facts AS (
    SELECT pb.entity_id, pb.ocid, sa.award_id, sa.award_index, sa.value_amount, sa.value_currency,
           sa.entity_id AS other, (s.ocid IS NOT NULL) AS surv
    FROM process_buyers pb
    LEFT JOIN supplier_awards sa ON sa.ocid = pb.ocid
    LEFT JOIN surveillance s ON s.ocid = pb.ocid
    WHERE pb.entity_id IS NOT NULL
)
"""

_AGGREGATE = """
, counts AS (
    SELECT entity_id, count(DISTINCT ocid) AS processes, count(DISTINCT other) AS others,
           count(DISTINCT CASE WHEN surv THEN ocid END) AS surveillance_processes,
           count(DISTINCT CASE WHEN surv THEN other END) AS surveillance_others
    FROM facts GROUP BY entity_id
), award_values AS (
    SELECT DISTINCT entity_id, ocid, award_id, award_index, value_amount, value_currency FROM facts
    WHERE value_amount IS NOT NULL
), money AS (
    SELECT entity_id, coalesce(value_currency, '?') AS currency, sum(value_amount) AS amount
    FROM award_values GROUP BY 1, 2
), money_json AS (
    SELECT entity_id, json_group_object(currency, amount) AS value_by_currency FROM money GROUP BY entity_id
)
SELECT e.entity_id, e.name, e.names, e.identifiers, c.processes, c.others, c.surveillance_processes,
       c.surveillance_others, CAST(m.value_by_currency AS VARCHAR) AS value_by_currency
FROM counts c JOIN entities e ON e.entity_id = c.entity_id
LEFT JOIN money_json m ON m.entity_id = c.entity_id
WHERE (? IS NULL OR c.entity_id = ?) AND (NOT ? OR c.surveillance_processes > 0)
ORDER BY c.surveillance_processes DESC, c.processes DESC, e.name
"""


def _run(store, facts: str, others: str, entity_id: str | None, surveillance_only: bool,
         limit: int | None, offset: int = 0) -> list[dict]:
    # The shared views are CTEs; "facts" and the aggregates are appended as further CTEs.
    sql = with_views("").rstrip() + facts + _AGGREGATE
    if limit:
        sql += f" LIMIT {int(limit)}"
    if offset:
        sql += f" OFFSET {int(offset)}"
    rows = store.rows(sql, [entity_id, entity_id, surveillance_only])
    out = []
    for r in rows:
        out.append({
            "entity_id": r["entity_id"],
            "name": r["name"],
            "names": list(r["names"] or []),
            "identifiers": list(r["identifiers"] or []),
            "processes": r["processes"],
            others: r["others"],
            "surveillance_processes": r["surveillance_processes"],
            f"surveillance_{others}": r["surveillance_others"],
            "value_by_currency": json.loads(r["value_by_currency"]) if r["value_by_currency"] else {},
        })
    return out


def list_suppliers(store, *, surveillance_only: bool = False, limit: int | None = None,
                   offset: int = 0) -> list[dict]:
    """Return supplier entities with their counts, most surveillance processes first (``limit``/``offset`` page)."""
    return _run(store, _SUPPLIERS, "buyers", None, surveillance_only, limit, offset)


def get_supplier(store, entity_id: str) -> dict:
    """Return one supplier entity's row; raise NotFoundError if it won no award."""
    rows = _run(store, _SUPPLIERS, "buyers", entity_id, False, None)
    if not rows:
        raise NotFoundError(f"no supplier with entity id {entity_id}: see `nadzor suppliers` for the ids")
    return rows[0]


def list_buyers(store, *, surveillance_only: bool = False, limit: int | None = None, offset: int = 0) -> list[dict]:
    """Return buyer entities with their counts, most surveillance processes first (``limit``/``offset`` page)."""
    return _run(store, _BUYERS, "suppliers", None, surveillance_only, limit, offset)


def get_buyer(store, entity_id: str) -> dict:
    """Return one buyer entity's row; raise NotFoundError if it bought nothing."""
    rows = _run(store, _BUYERS, "suppliers", entity_id, False, None)
    if not rows:
        raise NotFoundError(f"no buyer with entity id {entity_id}: see `nadzor buyers` for the ids")
    return rows[0]


def explain_entity(store, entity_id: str) -> dict:
    """Return an entity with every name merged into it, how often it was published, and why it was merged."""
    ent = store.rows("SELECT * FROM entities WHERE entity_id = ?", [entity_id])
    if not ent:
        raise NotFoundError(f"no entity {entity_id}: run `nadzor analyze` first, or see `nadzor suppliers`")
    links = store.rows(
        f"""
        WITH refs AS ({_references()})
        SELECT r.name, pe.rule, pe.score, pe.reason, count(*) AS occurrences, min(pe.ocid) AS example_ocid
        FROM party_entities pe
        JOIN refs r ON r.ocid = pe.ocid AND r.party_id = pe.party_id
        WHERE pe.entity_id = ?
        GROUP BY 1, 2, 3, 4 ORDER BY occurrences DESC, r.name
        """,
        [entity_id],
    )
    e = ent[0]
    return {
        "entity_id": e["entity_id"],
        "name": e["name"],
        "names": list(e["names"] or []),
        "identifiers": list(e["identifiers"] or []),
        "merged": links,
    }


def _references() -> str:
    from nadzor.entities.build import REFERENCES_SQL

    return REFERENCES_SQL
