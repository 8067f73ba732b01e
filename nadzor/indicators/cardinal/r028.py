"""R028 Identical bid prices: different tenderers submitted bids with the same amount and currency."""

from __future__ import annotations

__all__ = ["CODE", "evaluate"]

CODE = "R028"


def expression(run):
    """Return each bid whose (amount, currency) equals the previous such bid's but with other tenderers."""
    import ibis

    b = run.submitted_bids
    b = run.within(b.filter(b.has_tenderers & b.amount.notnull() & b.currency.notnull()), price_comparison=True)
    x = b.select("pid", "bid_idx", "amount", "currency", "has_tenderers", "sole_tenderer_id")
    # Only a price seen at least twice in a process can be flagged: build id sets for those bids alone.
    dup = x.group_by(["pid", "amount", "currency"]).agg(n=x.count())
    x = x.semi_join(dup.filter(dup.n >= 2), ["pid", "amount", "currency"])
    t = run.tenderers(x)
    x = t.group_by(["pid", "bid_idx", "amount", "currency"]).agg(ids=t.tenderer_id.collect(distinct=True))
    x = x.mutate(ids=x.ids.sort())
    # Cardinal keeps the last set of tenderer ids seen per price and compares each bid with it.
    w = ibis.window(group_by=["pid", "amount", "currency"], order_by="bid_idx")
    x = x.mutate(prev_ids=x.ids.lag().over(w))
    x = x.filter(x.prev_ids.notnull() & (x.ids != x.prev_ids))
    x = x.join(run.t["processes"].select("pid", "ocid"), "pid")
    return x.select("ocid", "ids", "prev_ids")


def evaluate(run, result) -> None:
    """Flag the process (1.0) and every tenderer of both bids (1.0)."""
    rows = run.fetch(CODE, lambda: expression(run))
    ocids = set()
    for row in rows:
        ocids.add(row["ocid"])
        result.set("OCID", row["ocid"], CODE, 1.0)
        for org in set(row["ids"]) | set(row["prev_ids"]):
            result.set("Tenderer", org, CODE, 1.0)
            result.add_map("ocid_tenderer_r028", row["ocid"], org)
    result.statistics[CODE] = {"flagged": len(ocids)}
