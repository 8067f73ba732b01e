"""SQL building blocks shared by the findings, concentration, CRI and directory functions.

Each is a SELECT over the store tables that resolves organisation references to entities (``party_entities``);
use them as common table expressions: ``WITH supplier_awards AS (...)``.
"""

from __future__ import annotations

from nadzor.entities.build import ref_sql

__all__ = ["SUPPLIER_AWARDS", "PROCESS_BUYERS", "PROCESS_TENDERERS", "SURVEILLANCE", "with_views"]

# One row per (process, award, supplier entity) of awards that stand (not cancelled or unsuccessful).
SUPPLIER_AWARDS = f"""
SELECT DISTINCT s.ocid, a.award_id, coalesce(a.award_index, s.award_index) AS award_index, pe.entity_id,
       a.value_amount, a.value_currency, a.date AS award_date, s.source_id, s.locator
FROM award_suppliers s
JOIN awards a ON a.ocid = s.ocid
     AND (a.award_index = s.award_index OR (s.award_index IS NULL AND a.award_id = s.award_id))
JOIN party_entities pe ON pe.ocid = s.ocid AND pe.party_id = {ref_sql('s.supplier_id', 's.supplier_name')}
WHERE coalesce(lower(a.status), 'active') NOT IN ('cancelled', 'unsuccessful')
"""

# One row per process with its buyer entity (NULL when the process names no buyer).
PROCESS_BUYERS = f"""
SELECT p.ocid, pe.entity_id, p.buyer_name, p.source_id, p.locator
FROM processes p
LEFT JOIN party_entities pe ON pe.ocid = p.ocid AND pe.party_id = {ref_sql('p.buyer_id', 'p.buyer_name')}
"""

# One row per (process, tenderer entity) from bids, plus awarded suppliers (a winner is a tenderer).
PROCESS_TENDERERS = f"""
SELECT DISTINCT t.ocid, pe.entity_id
FROM bid_tenderers t
JOIN party_entities pe ON pe.ocid = t.ocid AND pe.party_id = {ref_sql('t.tenderer_id', 't.tenderer_name')}
"""

# Processes the classifier marked as surveillance purchases.
SURVEILLANCE = "SELECT ocid, capabilities FROM classifications WHERE is_surveillance"


def with_views(sql: str) -> str:
    """Prefix ``sql`` with the shared views as CTEs."""
    return (f"WITH supplier_awards AS ({SUPPLIER_AWARDS}), process_buyers AS ({PROCESS_BUYERS}), "
            f"process_tenderers AS ({PROCESS_TENDERERS}), surveillance AS ({SURVEILLANCE}) {sql}")
