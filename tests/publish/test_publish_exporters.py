"""Every built-in exporter writes a usable file from the fictional web sample store."""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from web_sample import XSS, build_sample_store  # noqa: E402


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from nadzor.store import Store

    path = tmp_path_factory.mktemp("publish") / "s.duckdb"
    with Store.open(path) as s:
        build_sample_store(s)
    s = Store.open(path, read_only=True)
    yield s
    s.close()


def test_every_builtin_format_is_registered():
    from nadzor.publish.exporters import exporters

    assert {"csv", "json", "geojson", "ocds", "ftm", "sqlite", "site"} <= set(exporters())


def test_unknown_format_is_an_input_error(sample, tmp_path):
    from nadzor.exceptions import InputError
    from nadzor.publish.exporters import export

    with pytest.raises(InputError, match="unknown export format"):
        export(sample, "xlsx", tmp_path / "x")


def test_csv_writes_one_file_per_list(sample, tmp_path):
    from nadzor.publish.exporters import export

    export(sample, "csv", tmp_path / "csv")
    with open(tmp_path / "csv" / "purchases.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6 and {r["ocid"] for r in rows} >= {"ocds-test-0001", "ocds-test-0003"}
    assert (tmp_path / "csv" / "flags.csv").exists()


def test_json_and_ocds_and_geojson(sample, tmp_path):
    from nadzor.publish.exporters import export

    export(sample, "json", tmp_path / "a.json")
    doc = json.loads((tmp_path / "a.json").read_text())
    assert len(doc["purchases"]) == 6 and "not proof" in doc["note"]
    export(sample, "ocds", tmp_path / "b.json", scope="all")
    pkg = json.loads((tmp_path / "b.json").read_text())
    assert len(pkg["releases"]) == 8 and pkg["version"] == "1.1"
    export(sample, "geojson", tmp_path / "c.geojson")
    geo = json.loads((tmp_path / "c.geojson").read_text())
    assert sum(f["properties"]["purchases"] for f in geo["features"]) == 6


def test_ftm_entities_validate_against_the_model(sample, tmp_path):
    from followthemoney import model

    from nadzor.publish.exporters import export

    summary = export(sample, "ftm", tmp_path / "e.ftm.json")
    assert summary["Contract"] == 6 and summary["PublicBody"] == 3 and summary["ContractAward"] == 5
    ents = [model.get_proxy(json.loads(line)) for line in (tmp_path / "e.ftm.json").read_text().splitlines()]
    ids = {e.id for e in ents}
    for e in ents:
        if e.schema.name == "ContractAward":
            assert set(e.get("contract")) <= ids and set(e.get("supplier")) <= ids


def test_sqlite_has_tables_and_purchases_view(sample, tmp_path):
    from nadzor.publish.exporters import export

    export(sample, "sqlite", tmp_path / "d.sqlite")
    db = sqlite3.connect(tmp_path / "d.sqlite")
    assert db.execute("SELECT count(*) FROM purchases").fetchone()[0] == 6
    assert db.execute("SELECT count(*) FROM findings WHERE ocid IS NULL").fetchone()[0] == 1
    db.close()


def test_site_writes_escaped_pages_and_assets(sample, tmp_path):
    from nadzor.publish.exporters import export

    summary = export(sample, "site", tmp_path / "site")
    assert summary["pages"] > 15
    page = (tmp_path / "site" / "purchases" / "ocds-test-0003" / "index.html").read_text(encoding="utf-8")
    assert XSS not in page and "&lt;script&gt;" in page
    assert (tmp_path / "site" / "static" / "vendor" / "vega.min.js").exists()
    assert (tmp_path / "site" / "downloads" / "purchases.csv").exists()


def test_site_refuses_a_non_empty_folder(sample, tmp_path):
    from nadzor.exceptions import InputError
    from nadzor.publish.exporters import export

    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        export(sample, "site", tmp_path / "x")
