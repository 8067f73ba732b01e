import csv
import io
import json
from pathlib import Path

import pytest
from builders import load_case
from typer.testing import CliRunner

from nadzor.analysis.findings import run_findings
from nadzor.cli import _register_commands, app
from nadzor.entities.build import build_entities
from nadzor.store import Store

CASE = Path(__file__).resolve().parent.parent / "fixtures" / "case"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "case.duckdb"
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    with Store.open(path) as store:
        load_case(store, CASE / "serbian_cameras.jsonl", expected)
        build_entities(store)
        run_findings(store)
    _register_commands()
    return path


def _run(db, *args):
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_suppliers_jsonl_lists_the_supplier_once_with_all_spellings(db):
    rows = [json.loads(line) for line in _run(db, "suppliers", "--format", "jsonl").splitlines()]
    makina = [r for r in rows if "RS-PIB:109876543" in r["identifiers"]]
    assert len(makina) == 1
    m = makina[0]
    assert set(m) == {"entity_id", "name", "names", "identifiers", "processes", "buyers", "surveillance_processes",
                      "surveillance_buyers", "value_by_currency"}
    assert m["surveillance_buyers"] == 36 and m["surveillance_processes"] == 42
    assert "Макина Секјурити доо" in m["names"] and list(m["value_by_currency"]) == ["RSD"]
    assert rows[0] == m  # most surveillance processes first


def test_suppliers_csv_has_a_header(db):
    reader = csv.DictReader(io.StringIO(_run(db, "suppliers", "--format", "csv")))
    assert reader.fieldnames[0] == "entity_id" and len(list(reader)) >= 4


def test_buyers_jsonl(db):
    rows = [json.loads(line) for line in _run(db, "buyers", "--format", "jsonl", "--surveillance").splitlines()]
    assert len(rows) == 36
    assert all(r["surveillance_suppliers"] >= 1 for r in rows)


def test_entities_explain_shows_merge_reasons(db):
    rows = [json.loads(line) for line in _run(db, "suppliers", "--format", "jsonl").splitlines()]
    entity_id = rows[0]["entity_id"]
    info = json.loads(_run(db, "entities", "explain", entity_id, "--format", "json"))
    assert {m["name"] for m in info["merged"]} >= {"Makina Securty d.o.o.", "Макина Секјурити доо"}
    assert all(m["reason"] for m in info["merged"])
    assert "Merged names" in _run(db, "entities", "explain", entity_id)


def test_unknown_entity_is_a_readable_error(db):
    result = CliRunner().invoke(app, ["--db", str(db), "entities", "explain", "Enope"])
    assert result.exit_code != 0


def test_entities_build_applies_a_decisions_file(db, tmp_path):
    decisions = tmp_path / "d.yml"
    decisions.write_text("split:\n  - names: ['Makina Securty d.o.o.']\n    reason: checked in the registry\n",
                         encoding="utf-8")
    try:
        summary = json.loads(_run(db, "entities", "build", "--decisions", str(decisions)))
        assert summary["entities"] == 43 and summary["decisions"] == str(decisions)
    finally:
        _run(db, "entities", "build")
