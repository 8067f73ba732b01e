import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _nadzor(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "nadzor", "--db", str(tmp_path / "s.duckdb"), *args],
                          capture_output=True, text=True, cwd=tmp_path)


def test_adapters_lists_builtin_sources(tmp_path):
    out = _nadzor(tmp_path, "adapters", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert {"ted", "journalist", "rs-ujn-opendata", "ba-ejn-awards"} <= {a["name"] for a in json.loads(out.stdout)}


def test_ingest_table_dry_run_prints_releases_and_problems(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("Opština;Iznos\nPrimerovo;1.000,50\nIzmišljevac;abc\n", encoding="utf-8")
    out = _nadzor(tmp_path, "ingest-table", str(table), "--mapping", "journalist", "--dry-run")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert lines[0]["locator"] == "t.csv#R2"
    assert "quarantined t.csv#R3:Iznos" in out.stderr


def test_ingest_ted_dry_run(tmp_path):
    notice = ROOT / "tests" / "fixtures" / "ted" / "ted-xml" / "21-000934-001-EXP.xml"
    out = _nadzor(tmp_path, "ingest-ted", str(notice), "--dry-run")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["release"]["ocid"] == "ted-2021-S-008689"


def test_unknown_mapping_is_a_readable_error(tmp_path):
    out = _nadzor(tmp_path, "ingest-table", "x.csv", "--mapping", "nope", "--dry-run")
    assert out.returncode == 4
    assert "known adapters" in out.stderr


def test_foi_add_and_overdue(tmp_path):
    out = _nadzor(tmp_path, "foi", "add", "--to", "Opština Primerovo", "--subject", "kamere", "--sent", "2024-01-02")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["due_on"] == "2024-01-17"
    out = _nadzor(tmp_path, "foi", "overdue", "--today", "2024-01-18", "--format", "json")
    assert [r["foi_id"] for r in json.loads(out.stdout)] == ["FOI-0001"]


def test_cameras_ingest_and_list_csv(tmp_path):
    src = ROOT / "examples" / "cameras" / "zagreb_surveillance_cameras.csv"
    assert _nadzor(tmp_path, "cameras", "ingest", str(src), "--area", "Zagreb").returncode == 0
    out = _nadzor(tmp_path, "cameras", "list", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 138


def test_documents_add_and_search(tmp_path):
    doc = tmp_path / "odluka.txt"
    doc.write_text("Одлука о додели уговора за камере", encoding="utf-8")
    assert _nadzor(tmp_path, "documents", "add", str(doc), "--ocid", "ocds-x-1").returncode == 0
    out = _nadzor(tmp_path, "documents", "search", "odluka kamere", "--format", "json")
    assert json.loads(out.stdout)[0]["ocids"] == ["ocds-x-1"]
