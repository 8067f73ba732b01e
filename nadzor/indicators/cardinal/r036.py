"""R036 Lowest bid disqualified: the lowest submitted bid was disqualified though the award was price-only."""

from __future__ import annotations

from nadzor.indicators.cardinal.common import first_by

__all__ = ["CODE", "evaluate"]

CODE = "R036"


def expression(run):
    """Return the ocid of each process whose lowest bid (main currency) is disqualified and has a valid bid."""
    x = run.r036_bids
    currency = run.main_currency
    x = x.filter(x.currency == currency) if currency is not None else x.filter(x.pid < 0)
    lowest = first_by(x, "pid", ["amount", "bid_idx"])
    has_valid = x.filter(x.status == "valid").select("pid").distinct()
    return lowest.filter(lowest.status == "disqualified").semi_join(has_valid, "pid").select("ocid")


def evaluate(run, result) -> None:
    """Flag each such process (1.0)."""
    rows = run.fetch(expression(run))
    for row in rows:
        result.set("OCID", row["ocid"], CODE, 1.0)
    result.statistics[CODE] = {"flagged": len(rows)}
