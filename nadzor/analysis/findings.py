"""Run nadzor's own indicators (NZ01...) and store their findings; the order of ``INDICATORS`` is the run order."""

from __future__ import annotations

from nadzor.analysis import (
    nz01_facial_recognition,
    nz02_restricted_vendor,
    nz03_supplier_exclusivity,
    nz04_extension,
    nz05_local_government,
    nz06_brand_specification,
    nz07_single_bid,
    nz08_concentration,
    nz09_complementary_bidder,
    nz10_cri,
)
from nadzor.analysis.common import parameters, write_findings

__all__ = ["INDICATORS", "run_findings"]

INDICATORS = {
    m.CODE: m
    for m in (nz01_facial_recognition, nz02_restricted_vendor, nz03_supplier_exclusivity, nz04_extension,
              nz05_local_government, nz06_brand_specification, nz07_single_bid, nz08_concentration,
              nz09_complementary_bidder, nz10_cri)
}


def run_findings(store, overrides: dict | None = None, codes: list[str] | None = None) -> dict:
    """Compute the indicators (all, or ``codes``), replace their rows in ``findings``; return counts by code.

    The concentration tables and process_risk (CRI) are recomputed first: NZ08-NZ10 read them.

    ``overrides`` maps a code to parameter values, e.g. ``{"NZ03": {"min_buyers": 5}}``.
    """
    from nadzor.analysis.concentration import build_concentration_tables
    from nadzor.analysis.cri import build_process_risk

    counts: dict = {"tables": {**build_concentration_tables(store), **build_process_risk(store, overrides)}}
    for code, module in INDICATORS.items():
        if codes and code not in codes:
            continue
        found = module.compute(store, parameters(code, overrides))
        write_findings(store, [code], found)
        counts[code] = len(found)
    return counts
