"""Build the ``entities`` and ``party_entities`` tables from every organisation reference in the store.

References come from ``parties`` and, where a process names an organisation that is not in its parties list,
from ``award_suppliers``, ``bid_tenderers`` and the buyer / procuring entity of ``processes``. Such a reference
gets the party_id it was published with or, without one, ``name:<the name>``; other stages join with
``party_ref`` expressions built the same way (see ``supplier_ref_sql``).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

from nadzor.analysis.tables import insert_rows
from nadzor.entities.decisions import default_decisions_path, load_decisions
from nadzor.entities.resolve import MatchSettings, Record, normalise_identifier, resolve

__all__ = ["REFERENCES_SQL", "build_entities", "ref_sql"]


def ref_sql(id_col: str, name_col: str) -> str:
    """Return the SQL expression that turns a published (id, name) reference into a party_entities.party_id."""
    return f"coalesce({id_col}, 'name:' || {name_col})"


REFERENCES_SQL = f"""
SELECT ocid, party_id, name, identifier_scheme, identifier_id, CAST(additional_identifiers AS VARCHAR) AS extra
FROM parties
UNION ALL
SELECT DISTINCT s.ocid, {ref_sql('s.supplier_id', 's.supplier_name')}, s.supplier_name, NULL, NULL, NULL
FROM award_suppliers s
WHERE (s.supplier_id IS NOT NULL OR s.supplier_name IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM parties p WHERE p.ocid = s.ocid AND p.party_id = s.supplier_id)
UNION ALL
SELECT DISTINCT t.ocid, {ref_sql('t.tenderer_id', 't.tenderer_name')}, t.tenderer_name, NULL, NULL, NULL
FROM bid_tenderers t
WHERE (t.tenderer_id IS NOT NULL OR t.tenderer_name IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM parties p WHERE p.ocid = t.ocid AND p.party_id = t.tenderer_id)
UNION ALL
SELECT pr.ocid, {ref_sql('pr.buyer_id', 'pr.buyer_name')}, pr.buyer_name, NULL, NULL, NULL
FROM processes pr
WHERE (pr.buyer_id IS NOT NULL OR pr.buyer_name IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM parties p WHERE p.ocid = pr.ocid AND p.party_id = pr.buyer_id)
UNION ALL
SELECT pr.ocid, {ref_sql('pr.procuring_entity_id', 'pr.procuring_entity_name')}, pr.procuring_entity_name,
       NULL, NULL, NULL
FROM processes pr
WHERE (pr.procuring_entity_id IS NOT NULL OR pr.procuring_entity_name IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM parties p WHERE p.ocid = pr.ocid AND p.party_id = pr.procuring_entity_id)
"""


def _identifiers(scheme, ident, extra) -> frozenset[str]:
    out = set()
    main = normalise_identifier(scheme, ident)
    if main:
        out.add(main)
    if extra:
        try:
            for other in json.loads(extra) or []:
                if isinstance(other, dict):
                    norm = normalise_identifier(other.get("scheme"), other.get("id"))
                    if norm:
                        out.add(norm)
        except (ValueError, TypeError):
            pass
    return frozenset(out)


def build_entities(store, decisions_path: Path | None = None, settings: MatchSettings | None = None) -> dict:
    """Resolve every organisation reference into entities and replace the two tables; return a summary.

    ``decisions_path`` defaults to $NADZOR_ENTITY_DECISIONS, else ``entities.decisions.yml`` beside the store (a
    missing file is no decisions).
    """
    if decisions_path is None and os.environ.get("NADZOR_ENTITY_DECISIONS"):
        decisions_path = Path(os.environ["NADZOR_ENTITY_DECISIONS"])
    if decisions_path is None:
        decisions_path = default_decisions_path(store.path)
    decisions = load_decisions(decisions_path)
    refs = store.con.execute(REFERENCES_SQL).fetchall()
    # One record per distinct (name, identifiers); occurrences map back to it.
    index: dict[tuple, int] = {}
    records: list[Record] = []
    occurrences: dict[tuple[str, str], int] = {}
    for ocid, party_id, name, scheme, ident, extra in refs:
        if party_id is None:
            continue
        idents = _identifiers(scheme, ident, extra)
        label = (name or "").strip()
        if not label and not idents:
            continue
        key = (label, idents)
        if key not in index:
            index[key] = len(records)
            records.append(Record(name=label or sorted(idents)[0], identifiers=idents, count=0))
        i = index[key]
        if (ocid, party_id) not in occurrences:
            occurrences[(ocid, party_id)] = i
            records[i].count += 1
    resolution = resolve(records, decisions, settings)
    rows_entities = [(e.entity_id, e.name, e.names, e.identifiers, "organisation") for e in resolution.entities]
    rows_links = []
    for (ocid, party_id), i in occurrences.items():
        a = resolution.assignments[i]
        rows_links.append((ocid, party_id, a.entity_id, a.rule, a.score, a.reason))
    with store.transaction():
        store.con.execute("DELETE FROM party_entities")
        store.con.execute("DELETE FROM entities")
        insert_rows(store, "entities", ["entity_id", "name", "names", "identifiers", "kind"], rows_entities)
        insert_rows(store, "party_entities", ["ocid", "party_id", "entity_id", "rule", "score", "reason"], rows_links)
    rules = defaultdict(int)
    for a in resolution.assignments:
        rules[a.rule] += 1
    return {
        "references": len(occurrences),
        "records": len(records),
        "entities": len(resolution.entities),
        "records_by_rule": dict(sorted(rules.items())),
        "decisions": str(decisions.path) if decisions.path and Path(decisions.path).exists() else None,
    }
