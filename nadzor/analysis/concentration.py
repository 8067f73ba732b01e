"""Concentration and competition: supplier shares, HHI and buyer dependency per buyer and per market (CPV division x
region x year), complementary bidders, and the co-bidding network.

Shares are of awarded value per currency (never converted); a market whose awards carry no value is measured by
the number of processes won instead (basis "count"). Suppliers and buyers are entities (``party_entities``).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from nadzor.analysis.tables import insert_rows
from nadzor.analysis.views import with_views

__all__ = ["SCOPES", "hhi", "market_wins", "compute_markets", "complementary_bidders", "cobidding_edges",
           "build_concentration_tables"]

SCOPES = ("surveillance", "all")


def hhi(amounts: list[float]) -> float | None:
    """Return the Herfindahl-Hirschman Index (0..10000) of the shares of ``amounts`` (None when they sum to 0)."""
    total = sum(amounts)
    if total <= 0:
        return None
    return sum((100.0 * a / total) ** 2 for a in amounts)


def market_wins(store, scope: str = "surveillance") -> list[dict]:
    """Return one row per (process, award, supplier entity): buyer entity, CPV division, region, year, value."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    only = "JOIN surveillance s ON s.ocid = sa.ocid" if scope == "surveillance" else ""
    return store.rows(with_views(
        f"""
        , cpv AS (
            SELECT ocid, arg_max(division, n) AS division FROM (
                SELECT ocid, substr(classification_id, 1, 2) AS division, count(*) AS n FROM items
                WHERE upper(coalesce(classification_scheme, 'CPV')) = 'CPV' AND classification_id IS NOT NULL
                GROUP BY 1, 2) GROUP BY ocid
        ), region AS (
            SELECT p.ocid, any_value(coalesce(pa.region, pa.locality)) AS region FROM processes p
            JOIN parties pa ON pa.ocid = p.ocid AND pa.party_id = p.buyer_id GROUP BY p.ocid
        )
        SELECT sa.ocid, sa.award_id, sa.award_index, sa.entity_id AS supplier, pb.entity_id AS buyer,
               coalesce(cpv.division, '??') AS division, coalesce(region.region, 'unknown') AS region,
               coalesce(substr(coalesce(sa.award_date, p.date), 1, 4), 'unknown') AS year,
               sa.value_amount, sa.value_currency
        FROM supplier_awards sa {only}
        JOIN processes p ON p.ocid = sa.ocid
        LEFT JOIN process_buyers pb ON pb.ocid = sa.ocid
        LEFT JOIN cpv ON cpv.ocid = sa.ocid
        LEFT JOIN region ON region.ocid = sa.ocid
        """
    ))


def _measure(rows: list[dict]) -> list[dict]:
    """Shares and HHI of one market: per currency by value, or by count when no value is published."""
    out = []
    valued = [r for r in rows if r["value_amount"] is not None and r["value_amount"] > 0]
    groups: dict[tuple[str, str | None], list[dict]] = defaultdict(list)
    if valued:
        for r in valued:
            groups[("value", r["value_currency"])].append(r)
    else:
        groups[("count", None)] = rows
    for (basis, currency), members in groups.items():
        amount: Counter = Counter()
        processes: dict[str, set[str]] = defaultdict(set)
        for r in members:
            amount[r["supplier"]] += r["value_amount"] if basis == "value" else 1
            processes[r["supplier"]].add(r["ocid"])
        total = sum(amount.values())
        if total <= 0:
            continue
        top, top_amount = max(amount.items(), key=lambda kv: (kv[1], kv[0]))
        out.append({
            "basis": basis, "currency": currency, "processes": len({r["ocid"] for r in members}),
            "suppliers": len(amount), "total": total, "hhi": hhi(list(amount.values())), "cr1": top_amount / total,
            "top_supplier": top,
            "shares": [{"supplier": s, "amount": a, "processes": len(processes[s]), "share": a / total}
                       for s, a in sorted(amount.items(), key=lambda kv: (-kv[1], kv[0]))],
        })
    return out


def compute_markets(store, scope: str = "surveillance") -> list[dict]:
    """Return every market's measures: per buyer entity, and per CPV division x region x year."""
    wins = market_wins(store, scope)
    markets: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in wins:
        if r["buyer"]:
            markets[("buyer", r["buyer"])].append(r)
        markets[("cpv_region_year", f"{r['division']}|{r['region']}|{r['year']}")].append(r)
    out = []
    for (market_type, market_id), rows in sorted(markets.items()):
        for m in _measure(rows):
            out.append({"market_type": market_type, "market_id": market_id, "scope": scope, **m})
    return out


def _bids(store, scope: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Return ({ocid: tenderer entities}, {ocid: winner entities}) for processes with bids."""
    only = "JOIN surveillance s ON s.ocid = pt.ocid" if scope == "surveillance" else ""
    tenderers: dict[str, set[str]] = defaultdict(set)
    for r in store.rows(with_views(f"SELECT pt.ocid, pt.entity_id FROM process_tenderers pt {only}")):
        tenderers[r["ocid"]].add(r["entity_id"])
    winners: dict[str, set[str]] = defaultdict(set)
    for r in store.rows(with_views("SELECT ocid, entity_id FROM supplier_awards")):
        if r["ocid"] in tenderers:
            winners[r["ocid"]].add(r["entity_id"])
    return tenderers, winners


def complementary_bidders(store, scope: str = "surveillance") -> list[dict]:
    """Return tenderers that never won and lost every time to the same winner: loser, winner, losses, ocids."""
    tenderers, winners = _bids(store, scope)
    wins: Counter = Counter()
    losses: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
    for ocid, bidders in tenderers.items():
        won = winners.get(ocid, set())
        if not won:
            continue  # no standing award: nobody lost yet
        for t in bidders:
            if t in won:
                wins[t] += 1
            else:
                losses[t].append((ocid, frozenset(won)))
    out = []
    for loser, lost in sorted(losses.items()):
        if wins[loser]:
            continue
        common = frozenset.intersection(*(w for _, w in lost))
        if len(common) == 1:
            out.append({"loser": loser, "winner": next(iter(common)), "losses": len(lost),
                        "ocids": sorted(o for o, _ in lost)})
    return out


def cobidding_edges(store, scope: str = "all") -> list[dict]:
    """Return the co-bidding network: one edge per pair of tenderer entities bidding in the same process."""
    tenderers, _ = _bids(store, scope)
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ocid, bidders in tenderers.items():
        ordered = sorted(bidders)
        for i in range(len(ordered)):
            for j in range(i + 1, len(ordered)):
                edges[(ordered[i], ordered[j])].append(ocid)
    return [{"entity_a": a, "entity_b": b, "processes": len(o), "ocids": sorted(o)}
            for (a, b), o in sorted(edges.items())]


def build_concentration_tables(store) -> dict:
    """Recompute the four concentration tables (both scopes for markets); return row counts."""
    market_rows, share_rows = [], []
    for scope in SCOPES:
        for m in compute_markets(store, scope):
            market_rows.append((m["market_type"], m["market_id"], scope, m["basis"], m["currency"], m["processes"],
                                m["suppliers"], m["total"], m["hhi"], m["cr1"], m["top_supplier"]))
            for s in m["shares"]:
                share_rows.append((m["market_type"], m["market_id"], scope, m["basis"], m["currency"],
                                   s["supplier"], s["amount"], s["processes"], s["share"]))
    comp = complementary_bidders(store, "surveillance")
    edges = cobidding_edges(store, "all")
    with store.transaction():
        for table in ("market_concentration", "market_shares", "complementary_bidders", "cobidding_edges"):
            store.con.execute(f"DELETE FROM {table}")
        insert_rows(store, "market_concentration",
                    ["market_type", "market_id", "scope", "basis", "currency", "processes", "suppliers", "total",
                     "hhi", "cr1", "top_supplier"], market_rows)
        insert_rows(store, "market_shares",
                    ["market_type", "market_id", "scope", "basis", "currency", "supplier_entity_id", "amount",
                     "processes", "share"], share_rows)
        insert_rows(store, "complementary_bidders", ["loser_entity_id", "winner_entity_id", "losses", "ocids"],
                    [(c["loser"], c["winner"], c["losses"], c["ocids"]) for c in comp])
        insert_rows(store, "cobidding_edges", ["entity_a", "entity_b", "processes", "ocids"],
                    [(e["entity_a"], e["entity_b"], e["processes"], e["ocids"]) for e in edges])
    return {"markets": len(market_rows), "complementary_bidders": len(comp), "cobidding_edges": len(edges)}
