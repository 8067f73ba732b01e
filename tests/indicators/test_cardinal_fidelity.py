"""Cardinal reads JSON types strictly; nadzor must too (ids are strings, amounts numbers, ...)."""

import json

from nadzor.indicators.cardinal import compute_indicators, parse_settings, to_cardinal


def _run(tmp_path, lines, ini, meta=False):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) if not isinstance(line, str) else line for line in lines) + "\n")
    return to_cardinal(compute_indicators(path, parse_settings(ini)), meta=meta)


def test_number_of_tenderers_must_be_the_integer_one(tmp_path):
    lines = [
        {"ocid": "int", "tender": {"numberOfTenderers": 1, "procurementMethod": "open"}},
        {"ocid": "float", "tender": {"numberOfTenderers": 1.0, "procurementMethod": "open"}},
        {"ocid": "string", "tender": {"numberOfTenderers": "1", "procurementMethod": "open"}},
    ]
    assert _run(tmp_path, lines, "[R018]") == {"OCID": {"int": {"R018": 1.0}}}


def test_numeric_ids_and_string_amounts_are_ignored(tmp_path):
    bid = {"status": "disqualified", "tenderers": [{"id": "D"}], "value": {"amount": 1, "currency": "USD"}}
    lines = [
        {"ocid": "ok", "awards": [{"status": "active"}],
         "bids": {"details": [bid, {"status": "valid", "value": {"amount": 2, "currency": "USD"}}]}},
        {"ocid": "string amount", "awards": [{"status": "active"}],
         "bids": {"details": [{**bid, "value": {"amount": "1", "currency": "USD"}},
                              {"status": "valid", "value": {"amount": 2, "currency": "USD"}}]}},
        {"ocid": 5, "awards": [{"status": "active"}],
         "bids": {"details": [bid, {"status": "valid", "value": {"amount": 2, "currency": "USD"}}]}},
    ]
    assert _run(tmp_path, lines, "[R036]") == {"OCID": {"ok": {"R036": 1.0}}}


def test_numeric_supplier_id_does_not_count(tmp_path):
    lines = [{"ocid": "x", "tender": {"tenderPeriod": {"endDate": "2000-01-01T00:00:00Z"}},
              "awards": [{"status": "active", "suppliers": [{"id": 1}]}],
              "bids": {"details": [{"status": "valid", "date": "2000-02-01T00:00:00Z", "tenderers": [{"id": 1}]}]}}]
    assert _run(tmp_path, lines, "[R030]") == {}


def test_invalid_lines_are_skipped_with_a_warning_and_blank_lines_silently(tmp_path, capsys):
    lines = ['{"ocid":"a","tender":{"numberOfTenderers":1,"procurementMethod":"open"}}', "{bad", "",
             '{"ocid":"b","tender":{"numberOfTenderers":1,"procurementMethod":"open"}}']
    assert _run(tmp_path, lines, "[R018]") == {"OCID": {"a": {"R018": 1.0}, "b": {"R018": 1.0}}}
    err = capsys.readouterr().err
    assert "Line 2 is invalid JSON" in err and "Line 3" not in err


def test_meta_is_rounded_to_four_decimals(tmp_path):
    from tests.indicators.cardinal_cases import FIXTURES

    out = to_cardinal(compute_indicators(FIXTURES / "indicators" / "R024.jsonl",
                                         parse_settings("no_price_comparison_procurement_methods = NPC\n"
                                                        "[exclusions]\nprocurement_method_details = EXC\n[R024]\n")))
    assert out["Meta"] == {"R024": {"q1": 66.6667, "q3": 100.0, "lower_fence": 16.6667}}


def test_first_observed_currency_is_the_main_currency(tmp_path):
    def proc(ocid, currency, winner, second):
        return {"ocid": ocid, "awards": [{"status": "active", "suppliers": [{"id": "W"}]}],
                "bids": {"details": [
                    {"status": "valid", "tenderers": [{"id": "W"}], "value": {"amount": winner, "currency": currency}},
                    {"status": "valid", "tenderers": [{"id": "L"}], "value": {"amount": second, "currency": currency}},
                ]}}

    lines = [proc("eur", "EUR", 100, 200), proc("usd1", "USD", 100, 101), proc("usd2", "USD", 100, 101)]
    out = _run(tmp_path, lines, "[R058]\nthreshold = 0.5\n")
    assert out == {"OCID": {"eur": {"R058": 1.0}}, "Tenderer": {"W": {"R058": 0.0}}}
    out = _run(tmp_path, lines, "currency = USD\n[R058]\nthreshold = 0.5\n")
    assert out == {}
