"""The second-lowest-bid ratio shared by R024 and R058: (second-lowest valid bid - winning bid) / winning bid."""

from __future__ import annotations

import math

from nadzor.indicators.cardinal.common import first_by

__all__ = ["expression", "details_expression", "variant_expression", "ratios", "Ratios"]


def _eligible_bids(run, pids=None):
    """Valid priced bids in the main currency of the eligible processes, with the process's supplier.

    ``pids`` (the name of a ``Run.pid_table``) narrows both sides before they are joined.
    """
    v = run.valid_priced_bids()
    currency = run.main_currency
    v = v.filter(v.currency == currency) if currency is not None else v.filter(v.pid < 0)
    eligible = run.ratio_processes
    if pids is not None:
        pids = run.pid_ref(pids)
        v = v.semi_join(pids, "pid")
        eligible = eligible.semi_join(pids, "pid")
    return v.join(eligible, "pid")


def expression(run):
    """Return per process: pid, the winner's lowest valid bid and the lowest bid of the other bidders.

    One grouping by ``pid`` (the ids are only looked up for the flagged processes, see ``details_expression``).
    """
    j = _eligible_bids(run)
    won = j.tenderer_id == j.supplier_id
    r = j.group_by("pid").agg(winner_amount=j.amount.min(where=won), second_amount=j.amount.min(where=~won))
    # If the lowest bid did not win, the award criteria were not price only: Cardinal skips the process.
    # (A missing side is null, so the comparison drops the process too.)
    return r.filter(r.second_amount >= r.winner_amount)


def details_expression(run, pids: str):
    """Return ocid, winner (the supplier) and the lowest other bidder for the processes in ``pids`` (the name of
    a ``Run.pid_table``).

    The lowest other bidder is the first by (amount, bid index), as Cardinal's fold keeps it.
    """
    j = _eligible_bids(run, pids)
    other = j.filter(j.tenderer_id != j.supplier_id)
    second = first_by(other, "pid", ["amount", "bid_idx"])
    table = run.pid_ref(pids)
    p = run.t["processes"].semi_join(table, "pid").select("pid", "ocid")
    sup = run.ratio_processes.semi_join(table, "pid")
    r = p.join(sup, "pid").join(second.select("pid", second_id=second.tenderer_id), "pid")
    return r.select("pid", "ocid", winner_id="supplier_id", second_id="second_id")


def variant_expression(run):
    """Return the ratio per award unit with nadzor's variants (``[nadzor] lots``, ``related_bids``).

    - lots: every active award of a process counts separately (keyed ``ocid`` + award index); the bids competing
      for it are those sharing one of its ``relatedLots`` (all bids if the award names no lot).
    - multi-supplier awards (with lots): the winning bid is the one whose set of tenderers equals the set of
      suppliers, so consortia are handled.
    - related_bids: when the award names ``relatedBid``/``relatedBids``, those bids are the winning bids.
    Columns: ocid, unit, winners (ids), winner_amount, seconds (ids), second_amount.
    """
    import ibis

    lots = run.settings.option("lots")
    related = run.settings.option("related_bids")
    p = run.final_processes(run.price_comparison(run.processes)).select("pid", "ocid")
    a = run.t["awards"]
    active = a.filter(a.status == "active").select("pid", "award_idx")
    if not lots:
        n = active.group_by("pid").agg(n=active.count())
        active = active.semi_join(n.filter(n.n == 1), "pid")
    s = run.t["award_suppliers"]
    s = s.filter(s.supplier_id.notnull()).join(active, ["pid", "award_idx"])
    sup = s.group_by(["pid", "award_idx"]).agg(suppliers=s.supplier_id.collect(distinct=True))
    sup = sup.mutate(suppliers=sup.suppliers.sort())
    if not lots:
        sup = sup.filter(sup.suppliers.length() == 1)
    units = p.join(sup, "pid")
    b = run.t["bids"]
    currency = run.main_currency
    b = b.filter((b.status == "valid") & b.amount.notnull() & (b.currency == (currency or "")))
    bt = run.bid_tenderer_rows
    tset = bt.group_by(["pid", "bid_idx"]).agg(tenderers=bt.tenderer_id.collect(distinct=True))
    tset = tset.mutate(tenderers=tset.tenderers.sort())
    bids = b.join(tset, ["pid", "bid_idx"]).select("pid", "bid_idx", "amount", "tenderers")
    if not lots:
        bids = bids.filter(bids.tenderers.length() == 1)
    cand = units.join(bids, "pid")
    if lots:
        al = run.t["award_lots"]
        bl = run.t["bid_lots"]
        award_has_lots = al.select("pid", "award_idx").distinct().mutate(has_lots=True)
        shared = al.join(bl, [al.pid == bl.pid, al.lot_id == bl.lot_id]).select(
            al.pid, al.award_idx, bl.bid_idx).distinct().mutate(shares=True)
        cand = cand.left_join(award_has_lots, ["pid", "award_idx"]).select(cand, "has_lots")
        cand = cand.left_join(shared, ["pid", "award_idx", "bid_idx"]).select(cand, "shares")
        cand = cand.filter(cand.has_lots.isnull() | cand.shares.notnull()).drop("has_lots", "shares")
    cand = cand.mutate(by_set=cand.tenderers == cand.suppliers)
    if related:
        rb = run.t["award_related_bids"]
        ids = run.t["bid_ids"]
        linked = rb.join(ids, ["pid", "bid_id"]).select("pid", "award_idx", "bid_idx").mutate(linked=True)
        has_link = rb.select("pid", "award_idx").distinct().mutate(has_link=True)
        cand = cand.left_join(linked, ["pid", "award_idx", "bid_idx"]).select(cand, "linked")
        cand = cand.left_join(has_link, ["pid", "award_idx"]).select(cand, "has_link")
        cand = cand.mutate(won=ibis.cases((cand.has_link.notnull(), cand.linked.notnull()), else_=cand.by_set))
    else:
        cand = cand.mutate(won=cand.by_set)
    win = cand.filter(cand.won)
    win = win.group_by(["pid", "ocid", "award_idx"]).agg(winner_amount=win.amount.min(),
                                                         winners=win.suppliers.first())
    other = cand.filter(~cand.won & ~cand.by_set)
    second = first_by(other, ["pid", "award_idx"], ["amount", "bid_idx"])
    second = second.select("pid", "award_idx", seconds="tenderers", second_amount="amount")
    r = win.join(second, ["pid", "award_idx"])
    r = r.filter(r.second_amount >= r.winner_amount)
    return r.select("ocid", "award_idx", "winners", "winner_amount", "seconds", "second_amount")


def _divide(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:  # IEEE semantics, as in Rust: x/0 = inf, 0/0 = NaN
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)


class Ratios:
    """The ratios of all eligible processes (``values``, sorted) and, on demand, the rows of those flagged."""

    def __init__(self, run):
        self._run = run
        self._rows = None
        if run.settings.option("lots") or run.settings.option("related_bids"):
            self._rows = [
                {
                    "ocid": r["ocid"],
                    "ratio": _divide(r["second_amount"] - r["winner_amount"], r["winner_amount"]),
                    # Sorted as strings (the ids may be codes, in first-seen order).
                    "winner_ids": sorted(r["winners"], key=run.org_name),
                    "second_ids": sorted(r["seconds"], key=run.org_name),
                }
                for r in run.rows("ratios.variants", lambda: variant_expression(run))
            ]
            self.values = sorted(r["ratio"] for r in self._rows)
            return
        # Only pids and ratios are kept in Python (not ocids and ids: at 1M releases that is hundreds of MiB).
        self._pids = []
        self._ratios = []
        for r in run.rows("ratios", lambda: expression(run)):
            self._pids.append(r["pid"])
            self._ratios.append(_divide(r["second_amount"] - r["winner_amount"], r["winner_amount"]))
        # Sorted once: the quartile and summary functions sort again, which is linear on sorted input.
        self.values = sorted(self._ratios)

    def flagged(self, keep) -> list[dict]:
        """Return one dict (ocid, ratio, winner_ids, second_ids) per ratio for which ``keep(ratio)`` is true."""
        if self._rows is not None:
            return [r for r in self._rows if keep(r["ratio"])]
        chosen = {pid: ratio for pid, ratio in zip(self._pids, self._ratios) if keep(ratio)}
        if not chosen:
            return []
        pids = self._run.pid_table(sorted(chosen), "nz_ratio_pids")
        return [
            {"ocid": r["ocid"], "ratio": chosen[r["pid"]], "winner_ids": [r["winner_id"]],
             "second_ids": [r["second_id"]]}
            for r in self._run.rows("ratios.details", lambda: details_expression(self._run, pids))
        ]


def ratios(run) -> Ratios:
    """Return (and cache on the run) the ratios of the eligible processes."""
    cached = getattr(run, "_ratios", None)
    if cached is None:
        cached = run._ratios = Ratios(run)
    return cached
