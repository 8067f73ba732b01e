from nadzor.web.geo import district_names, district_of
from nadzor.web.text import normalise


def test_normalise_transliterates_and_folds():
    assert normalise("Ђурђевић ČAČAK") == normalise("Djurdjevic cacak") == "djurdjevic cacak"
    assert normalise(None) == ""


def test_district_of_matches_both_scripts_and_declension():
    assert district_of("Opština Aleksinac") == "Nišavski"
    assert district_of("Општина Алексинац") == "Nišavski"
    assert district_of("Gradska uprava grada Niša") == "Nišavski"
    assert district_of("Gradska uprava grada Kragujevca") == "Šumadijski"
    assert district_of("Grad Beograd - Gradska uprava") == "Grad Beograd"


def test_district_of_returns_none_when_no_municipality_is_named():
    assert district_of("Ministarstvo unutrašnjih poslova") is None
    assert district_of(None, "") is None


def test_every_municipality_district_has_a_polygon():
    import csv
    from importlib import resources

    names = set(district_names())
    with resources.files("nadzor.evidence.geo").joinpath("serbia_municipalities.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert row["OkrugNazivLat"].removesuffix(" okrug") in names


def test_map_polygons_are_the_evidence_polygons_lightened():
    import json
    from importlib import resources

    from nadzor.web.geo import districts_geojson

    text = resources.files("nadzor.evidence.geo").joinpath("serbia_districts.geojson").read_text(encoding="utf-8")
    full = json.loads(text)["features"]
    light = districts_geojson()["features"]
    assert [f["properties"] for f in light] == [
        {"name": f["properties"]["NAME_2"], "adm1_code": f["properties"]["adm1_code"],
         "code_hasc": f["properties"]["code_hasc"]} for f in full]
    ring, full_ring = light[0]["geometry"]["coordinates"][0], full[0]["geometry"]["coordinates"][0]
    assert len(ring) == len(full_ring)
    assert all(abs(a - b) <= 0.00005 for p, q in zip(ring, full_ring) for a, b in zip(p, q))
