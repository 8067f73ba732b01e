"""Generate realistic, fictional OCDS 1.1 compiled releases as JSON lines (deterministic for a given seed).

    python benchmarks/generate.py N OUT.jsonl [--seed 0] [--processes 2]

Each release has parties with identifiers (RS-MB company numbers, RS-PIB tax numbers) and Serbian-like
fictional names (about a quarter in Cyrillic), a tender with CPV items, a tender period, a procurement method mix
and numberOfTenderers, 1-8 bids with statuses, values, dates and tenderers, awards with suppliers, items, value,
status and relatedBid, contracts with period and value, and some amendments. About 2.8 KB per release.

Library use (e.g. by other benchmarks): ``generate_releases(n, seed=0)`` yields dicts, ``generate_lines`` yields
JSON-lines bytes. Release ``i`` depends only on (seed, i), so any slice can be generated independently and the
output is the same whatever the number of processes. All names and identifiers are invented.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from multiprocessing import get_context

import orjson

__all__ = ["generate_releases", "generate_lines", "write_file", "Pools"]

CITIES = ["Beograd", "Novi Sad", "Niš", "Kragujevac", "Subotica", "Zrenjanin", "Pančevo", "Čačak", "Kraljevo",
          "Novi Pazar", "Smederevo", "Leskovac", "Valjevo", "Kruševac", "Vranje", "Šabac", "Užice", "Sombor"]
BUYER_KINDS = ["Gradska uprava grada", "Opština", "Dom zdravlja", "JKP Vodovod", "Osnovna škola „Vuk Karadžić“",
               "Opšta bolnica", "Javno preduzeće Putevi", "Policijska uprava", "Gradski saobraćaj", "Centar za kulturu"]
SYLLABLES = ["ra", "do", "vi", "ko", "mi", "lan", "ser", "bo", "teh", "nik", "pro", "tel", "sig", "ma", "net",
             "vu", "ja", "dra", "go", "zor", "ste", "li", "ka", "med", "gra"]
FORMS = ["d.o.o.", "doo", "DOO", "d.o.o. Beograd", "a.d.", "preduzetnik", "d. o. o."]
ACTIVITIES = ["Inženjering", "Sistemi", "Trade", "Solutions", "Gradnja", "Promet", "Medical", "Kom", "IT", "Security"]
CPV = [("32323500", "Video-surveillance system"), ("35125300", "Security cameras"),
       ("48000000", "Software package and information systems"), ("30213000", "Personal computers"),
       ("45233140", "Roadworks"), ("33141000", "Disposable non-chemical medical consumables"),
       ("09134200", "Diesel fuel"), ("15800000", "Miscellaneous food products"), ("79710000", "Security services"),
       ("34144900", "Electric vehicles"), ("72260000", "Software-related services"),
       ("32520000", "Telecommunications cable and equipment"), ("39830000", "Cleaning products"),
       ("50110000", "Repair and maintenance services of motor vehicles"), ("44111000", "Building materials")]
METHODS = [("open", "Otvoreni postupak", 60), ("selective", "Restriktivni postupak", 8),
           ("limited", "Pregovarački postupak bez objavljivanja", 17), ("direct", "Nabavka male vrednosti", 15)]
CATEGORIES = ["goods", "works", "services"]
UNITS = ["komad", "sat", "litar", "kilogram", "paket", "usluga"]
BASE = datetime(2021, 1, 1, tzinfo=timezone.utc)


def _cyrillic(text: str) -> str:
    import cyrtranslit

    return cyrtranslit.to_cyrillic(text, "sr")


class Pools:
    """Organisations shared by all releases (fixed for a seed and a scale)."""

    def __init__(self, n: int, seed: int = 0):
        rng = random.Random(f"pools-{seed}")
        n_buyers = max(20, min(3000, n // 300))
        n_suppliers = max(60, min(60000, n // 15))
        self.buyers = [self._buyer(rng, i) for i in range(n_buyers)]
        self.suppliers = [self._company(rng, i) for i in range(n_suppliers)]
        # A few suppliers bid a lot and rarely win; some buyers disqualify often (signals for R025/R038).
        self.frequent = rng.sample(range(n_suppliers), max(3, n_suppliers // 200))
        self.strict_buyers = set(rng.sample(range(n_buyers), max(1, n_buyers // 30)))

    @staticmethod
    def _identifier(rng, scheme: str) -> str:
        return str(rng.randrange(10_000_000, 99_999_999)) if scheme == "RS-MB" else str(
            rng.randrange(100_000_000, 999_999_999))

    def _buyer(self, rng, i: int) -> dict:
        city = rng.choice(CITIES)
        name = f"{rng.choice(BUYER_KINDS)} {city}"
        if rng.random() < 0.25:
            name = _cyrillic(name)
        mb = self._identifier(rng, "RS-MB")
        return {
            "id": f"RS-MB-{mb}",
            "name": name,
            "identifier": {"scheme": "RS-MB", "id": mb},
            "additionalIdentifiers": [{"scheme": "RS-PIB", "id": self._identifier(rng, "RS-PIB")}],
            "address": {"locality": city, "countryName": "Srbija"},
        }

    def _company(self, rng, i: int) -> dict:
        stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
        city = rng.choice(CITIES)
        name = f"{stem} {rng.choice(ACTIVITIES)} {rng.choice(FORMS)}"
        if rng.random() < 0.25:
            name = _cyrillic(name)
        mb = self._identifier(rng, "RS-MB")
        return {
            "id": f"RS-MB-{mb}",
            "name": name,
            "identifier": {"scheme": "RS-MB", "id": mb},
            "address": {"locality": city},
        }


def _ref(org: dict) -> dict:
    return {"id": org["id"], "name": org["name"]}


def _iso(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def _release(i: int, seed: int, pools: Pools) -> dict:
    rng = random.Random(seed * 1_000_003 + i)
    buyer_i = rng.randrange(len(pools.buyers))
    buyer = pools.buyers[buyer_i]
    pe = buyer if rng.random() < 0.8 else pools.buyers[rng.randrange(len(pools.buyers))]
    method, details, _ = rng.choices(METHODS, weights=[m[2] for m in METHODS])[0]
    ocid = f"ocds-nz0000-{seed:02d}{i:09d}"
    start = BASE + timedelta(days=rng.randint(0, 1400), hours=rng.randint(7, 15))
    short = rng.random() < 0.07
    period = rng.randint(5, 10) if short else rng.randint(15, 45)
    end = start + timedelta(days=period, hours=rng.choice([0, 0, 2, -3]))
    currency = "RSD" if rng.random() < 0.98 else "EUR"
    n_items = rng.randint(1, 3)
    items = []
    for k in range(n_items):
        code, desc = rng.choice(CPV)
        items.append({
            "id": str(k + 1),
            "classification": {"scheme": "CPV", "id": code, "description": desc},
            "quantity": rng.randint(1, 500),
            "unit": {"name": rng.choice(UNITS)},
        })
    estimate = round(rng.uniform(200_000, 60_000_000), 2)
    n_bids = 1 if method == "direct" else min(8, max(1, int(rng.expovariate(1 / 2.6)) + 1))
    bidders = rng.sample(range(len(pools.suppliers)), n_bids)
    if n_bids > 1 and rng.random() < 0.3:
        bidders[-1] = rng.choice(pools.frequent)
        if len(set(bidders)) < len(bidders):
            bidders = list(dict.fromkeys(bidders))
    bids = []
    strict = buyer_i in pools.strict_buyers
    for j, s in enumerate(bidders):
        r = rng.random()
        status = ("disqualified" if r < (0.35 if strict else 0.08) else "withdrawn" if r > 0.985 else
                  "pending" if r > 0.975 else "valid")
        late = rng.random() < 0.02
        date = end + timedelta(hours=rng.randint(1, 48)) if late else end - timedelta(hours=rng.randint(1, 200))
        tenderers = [_ref(pools.suppliers[s])]
        if rng.random() < 0.03:
            tenderers.append(_ref(pools.suppliers[rng.randrange(len(pools.suppliers))]))
        amount = round(estimate * rng.uniform(0.7, 1.15), 2)
        bids.append({"id": f"{ocid}-bid-{j + 1}", "date": _iso(date), "status": status,
                     "tenderers": tenderers, "value": {"amount": amount, "currency": currency}})
    if len(bids) > 1 and rng.random() < 0.02:  # identical prices
        bids[1]["value"]["amount"] = bids[0]["value"]["amount"]
    valid = [b for b in bids if b["status"] == "valid"]
    awards, contracts, parties = [], [], {}

    def party(org, role):
        entry = parties.setdefault(org["id"], {**org, "roles": []})
        if role not in entry["roles"]:
            entry["roles"].append(role)

    party(buyer, "buyer")
    party(pe, "procuringEntity")
    for b in bids:
        for t in b["tenderers"]:
            party(_lookup(pools, t["id"]), "tenderer")
    tender_status = "cancelled" if rng.random() < 0.03 else ("complete" if valid else "unsuccessful")
    n_lots = 2 if len(valid) > 2 and rng.random() < 0.05 else 1
    if valid and tender_status != "cancelled":
        ranked = sorted(valid, key=lambda b: b["value"]["amount"])
        for lot in range(n_lots):
            winner = ranked[0] if rng.random() < 0.85 or len(ranked) == 1 else ranked[1]
            if lot == 1:
                winner = ranked[-1]
            r = rng.random()
            status = "pending" if r < 0.03 else "cancelled" if r < 0.05 else "active"
            award_date = end + timedelta(days=rng.randint(5, 40))
            award = {
                "id": f"{ocid}-award-{lot + 1}",
                "title": f"Ugovor o nabavci - partija {lot + 1}",
                "status": status,
                "date": _iso(award_date),
                "value": {"amount": winner["value"]["amount"], "currency": currency},
                "suppliers": winner["tenderers"],
                "items": [{"id": it["id"], "classification": {"scheme": "CPV", "id": it["classification"]["id"]},
                           "quantity": it["quantity"]} for it in ([items[lot % len(items)]] if n_lots > 1 else items)],
            }
            if rng.random() < 0.7:
                award["relatedBid"] = winner["id"]
            awards.append(award)
            for t in winner["tenderers"]:
                party(_lookup(pools, t["id"]), "supplier")
            if status == "active":
                signed = award_date + timedelta(days=rng.randint(1, 20))
                contract = {
                    "id": f"{ocid}-contract-{lot + 1}",
                    "awardID": award["id"],
                    "status": "active" if rng.random() < 0.7 else "terminated",
                    "period": {"startDate": _iso(signed), "endDate": _iso(signed + timedelta(days=365))},
                    "value": {"amount": winner["value"]["amount"], "currency": currency},
                    "dateSigned": _iso(signed),
                }
                if rng.random() < 0.1:
                    contract["amendments"] = [{
                        "id": "1", "date": _iso(signed + timedelta(days=rng.randint(30, 300))),
                        "rationale": "Povećanje obima radova (aneks ugovora)",
                        "description": "Aneks broj 1",
                    }]
                contracts.append(contract)
    release = {
        "ocid": ocid,
        "id": f"{ocid}-{i}",
        "date": _iso(end + timedelta(days=60)),
        "tag": ["compiled"],
        "initiationType": "tender",
        "parties": list(parties.values()),
        "buyer": _ref(buyer),
        "tender": {
            "id": f"JN{i}",
            "title": f"Nabavka: {items[0]['classification']['description']}",
            "status": tender_status,
            "procuringEntity": _ref(pe),
            "items": items,
            "value": {"amount": estimate, "currency": currency},
            "procurementMethod": method,
            "procurementMethodDetails": details,
            "mainProcurementCategory": rng.choice(CATEGORIES),
            "tenderPeriod": {"startDate": _iso(start), "endDate": _iso(end)},
            "numberOfTenderers": len(bids),
        },
        "bids": {"details": bids},
        "awards": awards,
        "contracts": contracts,
    }
    return release


def _lookup(pools: Pools, org_id: str) -> dict:
    index = getattr(pools, "_index", None)
    if index is None:
        index = pools._index = {o["id"]: o for o in pools.suppliers}
    return index[org_id]


def generate_releases(n: int, seed: int = 0, start: int = 0, stop: int | None = None,
                      pools: Pools | None = None) -> Iterator[dict]:
    """Yield releases ``start`` .. ``stop`` (default ``n``) of a data set of ``n`` releases, as dicts."""
    pools = pools or Pools(n, seed)
    for i in range(start, n if stop is None else stop):
        yield _release(i, seed, pools)


def generate_lines(n: int, seed: int = 0, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
    """Yield the same releases as JSON lines (bytes, each ending with a newline)."""
    for release in generate_releases(n, seed, start, stop):
        yield orjson.dumps(release) + b"\n"


_POOLS = {}


def _chunk(args) -> bytes:
    n, seed, start, stop = args
    key = (n, seed)
    if key not in _POOLS:
        _POOLS[key] = Pools(n, seed)
    return b"".join(orjson.dumps(r) + b"\n" for r in generate_releases(n, seed, start, stop, _POOLS[key]))


def write_file(n: int, path: str, seed: int = 0, processes: int = 2, chunk: int = 5000) -> None:
    """Write ``n`` releases to ``path`` using ``processes`` worker processes (same bytes for any count)."""
    tasks = [(n, seed, s, min(n, s + chunk)) for s in range(0, n, chunk)]
    with open(path, "wb") as fh:
        if processes <= 1:
            for t in tasks:
                fh.write(_chunk(t))
        else:
            # spawn, not fork: a forked child of a process with threads (e.g. a test holding a Spark session) can
            # inherit a lock held by another thread and hang for ever.
            with get_context("spawn").Pool(processes) as pool:
                for blob in pool.imap(_chunk, tasks):
                    fh.write(blob)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of releases")
    parser.add_argument("out", help="output JSON-lines file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    write_file(args.n, args.out, args.seed, args.processes)
    print(f"{args.n} releases -> {args.out} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
