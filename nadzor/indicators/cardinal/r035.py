"""R035 All except winning bid disqualified: one valid bidder won and the other bidders were disqualified."""

from __future__ import annotations

__all__ = ["CODE", "evaluate"]

CODE = "R035"


def expression(run):
    """Return (ocid, winner, disqualified) for processes whose only valid bidder won."""
    fp = run.final_processes(run.processes).select("pid", "ocid")
    b = run.t["bids"]
    b = b.filter(b.has_tenderers & b.status.isin(["valid", "disqualified"])).select("pid", "bid_idx", "status")
    bt = run.t["bid_tenderers"]
    bt = bt.filter(bt.tenderer_id.notnull())
    t = b.join(bt, ["pid", "bid_idx"]).select("pid", "status", "tenderer_id").distinct()
    valid = t.filter(t.status == "valid")
    valid = valid.group_by("pid").agg(nv=valid.count(), vid=valid.tenderer_id.min())
    a = run.t["awards"]
    a = a.filter((a.status == "active") & a.has_suppliers).select("pid", "award_idx")
    s = run.t["award_suppliers"]
    s = s.filter(s.supplier_id.notnull()).join(a, ["pid", "award_idx"]).select("pid", "supplier_id").distinct()
    s = s.group_by("pid").agg(ns=s.count(), sid=s.supplier_id.min())
    c = fp.join(valid, "pid").join(s, "pid")
    c = c.filter((c.nv == 1) & (c.ns == 1) & (c.vid == c.sid)).select("pid", "ocid", "vid")
    d = t.filter(t.status == "disqualified").join(c, "pid")
    d = d.filter(d.tenderer_id != d.vid)
    d = d.group_by(["ocid", "vid"]).agg(nd=d.count())
    threshold = max(int(run.settings.get(CODE, "threshold", 1)), 1)
    return d.filter(d.nd >= threshold)


def evaluate(run, result) -> None:
    """Flag the process (number of disqualified other bidders) and the winner (0.0)."""
    rows = run.fetch(expression(run))
    for row in rows:
        result.set("OCID", row["ocid"], CODE, float(row["nd"]))
        result.set("Tenderer", row["vid"], CODE, 0.0)
        result.add_map("ocid_tenderer_r035", row["ocid"], row["vid"])
    result.statistics[CODE] = {"flagged": len(rows)}
