"""R036 Lowest bid disqualified: the lowest submitted bid was disqualified though the award was price-only."""

from __future__ import annotations

__all__ = ["CODE", "evaluate"]

CODE = "R036"


def expression(run):
    """Return the ocid of each process whose lowest bid (main currency) is disqualified and has a valid bid.

    The lowest bid is the first by (amount, bid index): the bids at the lowest amount of each process are found
    with one grouping, and among them the lowest bid index decides.
    """
    x = run.r036_bids
    currency = run.main_currency
    x = x.filter(x.currency == currency) if currency is not None else x.filter(x.pid < 0)
    low = x.group_by("pid").agg(low=x.amount.min(), valid=x.bid_idx.count(where=x.status == "valid"))
    low = low.filter(low.valid > 0)
    at = x.join(low, [x.pid == low.pid, x.amount == low.low]).select(x.pid, x.bid_idx, x.status)
    first = at.group_by("pid").agg(first=at.bid_idx.min(),
                                   disqualified=at.bid_idx.min(where=at.status == "disqualified"))
    first = first.filter(first.first == first.disqualified)
    return run.t["processes"].semi_join(first, "pid").select("ocid")


def evaluate(run, result) -> None:
    """Flag each such process (1.0)."""
    rows = run.fetch(CODE, lambda: expression(run))
    for row in rows:
        result.set("OCID", row["ocid"], CODE, 1.0)
    result.statistics[CODE] = {"flagged": len(rows)}
