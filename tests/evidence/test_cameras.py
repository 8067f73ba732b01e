from pathlib import Path

import pytest

from nadzor.evidence.cameras import (add_camera_count, cameras_geojson, contract_camera_counts, density,
                                     districts_geojson, ingest_cameras, load_population, read_camera_file)
from nadzor.evidence.municipalities import match_municipality
from nadzor.exceptions import InputError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "cameras"
FIXTURES = ROOT / "tests" / "fixtures" / "sources"


def test_zagreb_open_data_csv_reads_all_137_cameras():
    cams, bad, _ = read_camera_file(EXAMPLES / "zagreb_surveillance_cameras.csv")
    assert len(cams) == 137 and not bad
    first = cams[0]
    assert first["address"] == "Martićeva - Šubićeva" and first["year"] == 2011
    assert 15.9 < first["lon"] < 16.1 and 45.7 < first["lat"] < 45.9


def test_montenegro_geojson_reads_108_points():
    cams, bad, _ = read_camera_file(EXAMPLES / "montenegro_mne_eagle_eye.geojson")
    assert len(cams) == 108 and not bad


def test_bad_coordinates_are_quarantined_with_row_and_column(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("latitude;longitude\n44,81;20,46\n444;20\nx;20\n", encoding="utf-8")
    cams, bad, _ = read_camera_file(p)
    assert len(cams) == 1 and cams[0]["lat"] == 44.81
    assert [b[0] for b in bad] == ["R3:latitude", "R4:latitude"]


def test_file_without_coordinates_is_an_input_error(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("name\nx\n", encoding="utf-8")
    with pytest.raises(InputError, match="latitude"):
        read_camera_file(p)


def test_ingest_is_idempotent_and_exports_geojson(store):
    ingest_cameras(store, EXAMPLES / "zagreb_surveillance_cameras.csv", dataset="zagreb", area_name="Zagreb")
    ingest_cameras(store, EXAMPLES / "zagreb_surveillance_cameras.csv", dataset="zagreb", area_name="Zagreb")
    fc = cameras_geojson(store)
    assert len(fc["features"]) == 137
    assert fc["features"][0]["geometry"]["type"] == "Point"


def test_population_loader_quarantines_unusable_rows(store):
    summary = load_population(store, FIXTURES / "population_fictional.csv")
    assert summary == {"file": str(FIXTURES / "population_fictional.csv"), "areas": 2, "quarantined": 1}
    assert store.scalar("SELECT population FROM population WHERE area_code = '99002'") == 5000


def test_density_per_1000_inhabitants_from_fictional_areas(store):
    load_population(store, FIXTURES / "population_fictional.csv")
    add_camera_count(store, area_name="Primerovo (fictional)", area_code="99001", cameras=50, basis="foi")
    add_camera_count(store, area_name="Izmišljevac (fictional)", area_code="99002", cameras=10, basis="manual")
    add_camera_count(store, area_name="Nigdegrad (fictional)", area_code="99003", cameras=7, basis="foi")
    result = density(store)
    by_code = {a["area_code"]: a for a in result["areas"]}
    assert by_code["99001"]["per_1000"] == 2.5
    assert by_code["99002"]["per_1000"] == 2.0
    assert by_code["99003"]["per_1000"] is None
    assert result["missing_population"] == ["Nigdegrad (fictional)"]


def test_density_without_population_says_so(store):
    add_camera_count(store, area_name="Čačak", cameras=3)
    result = density(store)
    assert "No population table is loaded" in result["note"]
    assert result["areas"][0]["area_code"] == match_municipality("Čačak").code


def _process(store, ocid, buyer, items, origin="tender"):
    if not store.scalar("SELECT count(*) FROM processes WHERE ocid = ?", [ocid]):
        store.con.execute("INSERT INTO processes (ocid, buyer_name) VALUES (?, ?)", [ocid, buyer])
    for i, (desc, qty) in enumerate(items):
        store.con.execute("INSERT INTO items (ocid, origin, item_id, description, quantity) VALUES "
                          "(?, ?, ?, ?, ?)", [ocid, origin, str(i), desc, qty])


def test_contract_camera_counts_from_item_quantities(store):
    _process(store, "ocds-x-1", "Градска управа града Чачка", [("IP камера 4MP", 40), ("Server", 2),
                                                                  ("Kamera PTZ", None)])
    _process(store, "ocds-x-2", "Preduzeće bez opštine", [("kamerni filter", 3)])
    rows = contract_camera_counts(store)
    assert len(rows) == 1
    assert rows[0]["area_name"] == "Čačak" and rows[0]["cameras"] == 40
    assert rows[0]["items_without_quantity"] == 1


def test_cameras_listed_in_tender_and_award_are_not_counted_twice(store):
    _process(store, "ocds-x-1", "Opština Čačak", [("IP kamera", 40)])
    _process(store, "ocds-x-1", "Opština Čačak", [("IP kamera", 38)], origin="award")
    assert contract_camera_counts(store)[0]["cameras"] == 40


def test_districts_geojson_counts_purchases_and_cameras(store):
    _process(store, "ocds-x-1", "Opština Aleksinac", [("kamera", 5)])
    _process(store, "ocds-x-2", "Grad Niš", [("server", 1)])
    add_camera_count(store, area_name="Niš", cameras=12)
    fc = districts_geojson(store)
    assert len(fc["features"]) == 30
    assert all(f["properties"]["district_code"] for f in fc["features"])
    nisavski = next(f["properties"] for f in fc["features"] if f["properties"]["district_code"] == "20")
    assert nisavski["purchases"] == 2
    assert nisavski["cameras_contracted"] == 5
    assert nisavski["cameras_reported"] == 12


def test_municipality_matching_handles_scripts_and_genitive():
    assert match_municipality("Opština Čačak").name == "Čačak"
    assert match_municipality("ГРАДСКА УПРАВА ГРАДА ЧАЧКА").name == "Čačak"
    assert match_municipality("Gradska opština Novi Beograd").name == "Novi Beograd"
    assert match_municipality("Ministarstvo unutrašnjih poslova") is None
