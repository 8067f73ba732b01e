"""R038 Excessive disqualified bids: a buyer, procuring entity or tenderer has an unusually high share of
disqualified bids."""

from __future__ import annotations

from nadzor.indicators.cardinal import stats

__all__ = ["CODE", "evaluate"]

CODE = "R038"


def expressions(run) -> dict:
    """Return one expression of (grp, key, num = disqualified bids, den = submitted bids) for the three groups.

    One query reads the bids once for Buyer, ProcuringEntity and Tenderer; ``map`` (with ``--map``) lists the
    processes with a disqualified bid.
    """
    import ibis

    p = run.processes.select("pid", "buyer_id", "pe_id")
    sb = run.submitted_bids.select("pid", "bid_idx", "status")
    sb = sb.mutate(disq=(sb.status == "disqualified").cast("int64"))
    per = sb.group_by("pid").agg(n=sb.count(), d=sb.disq.sum())
    # Summed per (buyer, procuring entity) pair first: the two groupings below then read a small table.
    pairs = p.join(per, "pid")
    pairs = pairs.group_by(["buyer_id", "pe_id"]).agg(n=pairs.n.sum(), d=pairs.d.sum())
    t = run.submitted_bids.select("pid", "bid_idx", "status", "has_tenderers", "sole_tenderer_id")
    t = run.tenderers(run.within(t))
    t = t.mutate(disq=(t.status == "disqualified").cast("int64"))
    rows = ibis.union(
        pairs.select(grp=ibis.literal("Buyer"), key=pairs.buyer_id, d=pairs.d, n=pairs.n),
        pairs.select(grp=ibis.literal("ProcuringEntity"), key=pairs.pe_id, d=pairs.d, n=pairs.n),
        t.select(grp=ibis.literal("Tenderer"), key=t.tenderer_id, d=t.disq, n=ibis.literal(1, "int64")),
    )
    rows = rows.filter(rows.key.notnull())
    out = {"groups": rows.group_by(["grp", "key"]).agg(num=rows.d.sum(), den=rows.n.sum())}
    if run.map:
        with_disqualified = per.filter(per.d > 0)
        out["map"] = run.processes.semi_join(with_disqualified, "pid").select("ocid", "buyer_id", "pe_id")
    return out


def evaluate(run, result) -> None:
    """Flag ids (with enough bids) whose ratio is at or above the upper fence (q3 + 1.5 IQR) or the threshold."""
    minimum_processes = int(run.settings.get(CODE, "minimum_contracting_processes", 2))
    minimum_bids = int(run.settings.get(CODE, "minimum_submitted_bids", 2))
    threshold = run.settings.get(CODE, "threshold")
    summary = {}
    by_group = {"Buyer": [], "ProcuringEntity": [], "Tenderer": []}
    for r in run.rows(CODE, lambda: expressions(run)["groups"]):
        by_group[r["grp"]].append(r)
    for group in ("Buyer", "ProcuringEntity", "Tenderer"):
        # Cardinal compares buyers' and procuring entities' minimum with their number of submitted bids.
        minimum = minimum_bids if group == "Tenderer" else minimum_processes
        rows = [r for r in by_group[group] if r["den"] >= minimum]
        if not rows:
            continue
        ratios = [r["num"] / r["den"] for r in rows]
        fence, _ = stats.fence(result, CODE, ratios, threshold, "upper", prefix=f"{group}_")
        result.set_meta(CODE, f"{group}_upper_fence", fence)
        flagged = 0
        if fence > 0:
            for r, ratio in zip(rows, ratios):
                if ratio >= fence:
                    flagged += 1
                    result.set(group, r["key"], CODE, ratio)
        summary[group] = stats.summary(ratios, upper_fence=fence, flagged=flagged)
    if run.map:
        for r in run.fetch(f"{CODE}.map", lambda: expressions(run)["map"]):
            if r["buyer_id"] is not None:
                result.add_map("ocid_buyer_r038", r["ocid"], r["buyer_id"])
            if r["pe_id"] is not None:
                result.add_map("ocid_procuringentity_r038", r["ocid"], r["pe_id"])
    result.statistics[CODE] = summary
