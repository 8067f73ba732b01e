"""nadzor's variants beyond Cardinal: off by default, and doing what they say when switched on."""

import json

from nadzor.indicators.cardinal import compute_indicators, parse_settings, to_cardinal


def _bid(bid_id, tenderers, amount, lots=None, status="valid"):
    bid = {"id": bid_id, "status": status, "tenderers": [{"id": t} for t in tenderers],
           "value": {"amount": amount, "currency": "RSD"}}
    if lots:
        bid["relatedLots"] = lots
    return bid


def _run(tmp_path, releases, ini):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in releases))
    return to_cardinal(compute_indicators(path, parse_settings(ini)), meta=False)


LOTS = {"ocid": "lots", "awards": [
    {"status": "active", "suppliers": [{"id": "W"}], "relatedLots": ["1"]},
    {"status": "active", "suppliers": [{"id": "V"}], "relatedLots": ["2"]}],
    "bids": {"details": [_bid("a", ["W"], 100, ["1"]), _bid("b", ["L"], 101, ["1"]),
                         _bid("c", ["V"], 100, ["2"]), _bid("d", ["M"], 300, ["2"])]}}
CONSORTIUM = {"ocid": "consortium", "awards": [{"status": "active", "suppliers": [{"id": "A"}, {"id": "B"}]}],
              "bids": {"details": [_bid("a", ["B", "A"], 100), _bid("b", ["C"], 101)]}}
RELATED = {"ocid": "related", "awards": [{"status": "active", "suppliers": [{"id": "W"}], "relatedBid": "w2"}],
           "bids": {"details": [_bid("w1", ["W"], 5), _bid("w2", ["W"], 10), _bid("l", ["L"], 12)]}}


def test_lots_and_consortia_are_skipped_in_cardinal_mode(tmp_path):
    assert _run(tmp_path, [LOTS, CONSORTIUM], "[R024]\nthreshold = 0.05\n") == {}


def test_lots_variant_computes_one_ratio_per_lot_and_handles_consortia(tmp_path):
    out = _run(tmp_path, [LOTS, CONSORTIUM], "[nadzor]\nlots = true\n[R024]\nthreshold = 0.05\n")
    assert out["OCID"] == {"lots": {"R024": 0.01}, "consortium": {"R024": 0.01}}
    assert set(out["Tenderer"]) == {"W", "L", "A", "B", "C"}


def test_related_bid_variant_uses_the_named_winning_bid(tmp_path):
    ini = "[R058]\nthreshold = 1\n"
    assert _run(tmp_path, [RELATED], ini)["OCID"] == {"related": {"R058": 1.4}}  # Cardinal: W's lowest bid
    assert _run(tmp_path, [RELATED], "[nadzor]\nrelated_bids = true\n" + ini) == {}  # ratio 0.2 with bid w2


def test_party_identifier_variant_merges_organisations_by_scheme_and_id(tmp_path):
    def release(ocid, ref, status):
        return {"ocid": ocid, "parties": [{"id": ref, "identifier": {"scheme": "RS-MB", "id": "123"}}],
                "bids": {"details": [{"status": status, "tenderers": [{"id": ref}]}]}}

    releases = [release("0", "x", "disqualified"), release("1", "y", "valid")]
    assert _run(tmp_path, releases, "[R038]\n") == {}  # x and y each have one bid: below the minimum of 2
    out = _run(tmp_path, releases, "[nadzor]\nparty_identifiers = true\n[R038]\n")
    assert out == {"Tenderer": {"RS-MB-123": {"R038": 0.5}}}
