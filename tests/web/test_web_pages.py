"""Every page renders from the fictional store, shows what it should, and degrades on an empty store."""

from __future__ import annotations

import pytest

PAGES = [
    "/", "/purchases", "/purchases?capability=anpr", "/purchases?year=2023&sort=value", "/purchases?bids=single",
    "/purchases?flag=R003", "/purchases?region=Ni%C5%A1avski", "/purchases?scope=all",
    "/purchases/ocds-test-0003", "/purchases/ocds-test-0001", "/buyers", "/buyers?only_one_supplier=true",
    "/buyers/RS-MB-90000002", "/suppliers", "/suppliers/E-kamera", "/suppliers/RS-MB-80000002", "/flags",
    "/flags?code=R003", "/indicators", "/indicators/R003", "/search?q=kamera", "/search", "/map", "/sources",
    "/api/docs",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_with_risk_note(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert "risk indicators, not proof" in r.text


@pytest.mark.parametrize("url", [u for u in PAGES if u not in ("/api/docs", "/search")])
def test_page_renders_on_empty_store(empty_client, url):
    r = empty_client.get(url)
    # Records that do not exist in an empty store are 404s; everything else renders (registered indicators
    # have a documentation page even before any finding exists).
    if any(url.startswith(p) for p in ("/purchases/ocds", "/buyers/", "/suppliers/")):
        assert r.status_code == 404
    else:
        assert r.status_code == 200, r.text[:500]


def test_overview_says_not_analysed_on_empty_store(empty_client):
    assert "not analysed yet" in empty_client.get("/").text.lower()


def test_overview_headlines_link_to_the_records(client):
    html = client.get("/").text
    assert 'only_one_supplier=true">2</a>' in html
    assert 'href="/purchases?bids=single">3</a>' in html
    assert 'href="/purchases?bids=multiple">2</a>' in html


def test_purchases_filter_by_capability_lists_only_matching(client):
    html = client.get("/purchases?capability=facial_recognition").text
    assert "ocds-test-0002" in html
    assert "ocds-test-0001" not in html


def test_purchases_default_scope_hides_non_surveillance(client):
    assert "Kancelarijski" not in client.get("/purchases").text
    assert "Kancelarijski" in client.get("/purchases?scope=all").text


def test_purchases_htmx_request_returns_only_results(client):
    r = client.get("/purchases?year=2024", headers={"HX-Request": "true"})
    assert r.text.lstrip().startswith('<section id="results">')
    assert "<html" not in r.text


def test_process_page_shows_source_licence_evidence_and_flags(client):
    html = client.get("/purchases/ocds-test-0001").text
    assert "CC BY 4.0 (fictional sample)" in html
    assert "samples/fictional.json" in html
    assert "2025-06-01" in html  # retrieval time
    assert "cctv-keywords" in html  # classification evidence
    assert "Only one bid was received." in html
    assert "Produžen rok" in html  # amendment


def test_process_page_does_not_link_javascript_urls(client):
    html = client.get("/purchases/ocds-test-0001").text
    assert 'href="javascript:' not in html
    assert 'href="https://example.org/d.pdf"' in html


def test_supplier_page_shows_merged_names_and_why(client):
    html = client.get("/suppliers/E-kamera").text
    for name in ("Kamera Tech d.o.o.", "KAMERA TECH DOO", "Камера Тек д.о.о."):
        assert name in html
    assert "same name after transliteration" in html
    assert "identifier" in html


def test_search_in_cyrillic_finds_latin_title(client):
    html = client.get("/search?q=камере за надзор").text
    assert "ocds-test-0007" in html


def test_search_in_latin_without_diacritics_finds_cyrillic_title(client):
    html = client.get("/search?q=prepoznavanje lica").text
    assert "ocds-test-0002" in html


def test_search_folds_diacritics(client):
    assert "ocds-test-0004" in client.get("/search?q=odrzavanje").text


def test_unknown_process_is_a_404_page(client):
    r = client.get("/purchases/ocds-does-not-exist")
    assert r.status_code == 404
    assert "no process" in r.text


def test_bad_parameter_is_a_400_page(client):
    r = client.get("/purchases?year=twenty")
    assert r.status_code == 400
    assert "year" in r.text


def test_unknown_sort_is_rejected(client):
    assert client.get("/purchases?sort=ocid;drop").status_code == 400


@pytest.mark.parametrize("url", ["/static/../app.py", "/static/%2e%2e/queries.py", "/static/..%2fqueries.py",
                                 "/static/vendor/../../app.py"])
def test_static_files_do_not_escape_their_folder(client, url):
    r = client.get(url)
    assert r.status_code == 404
    assert "import" not in r.text


def test_vendored_assets_are_served_locally(client):
    html = client.get("/").text
    assert "http://" not in html.split("<main>")[0].replace("http://www.w3.org", "")
    for asset in ("htmx.min.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "vega-interpreter.min.js"):
        assert client.get(f"/static/vendor/{asset}").status_code == 200


def test_pages_send_a_content_security_policy(client):
    csp = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp


def test_csv_download_of_purchases(client):
    r = client.get("/purchases?format=csv&capability=anpr")
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("ocid,title,")
    assert len(lines) == 3


@pytest.mark.parametrize("url", ["/buyers?format=csv", "/suppliers?format=csv", "/flags?format=csv"])
def test_every_list_downloads_as_csv(client, url):
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert len(r.text.strip().splitlines()) >= 2


def test_csv_cells_that_look_like_formulas_are_defused():
    from nadzor.web.download import rows_to_csv

    text = "".join(rows_to_csv([{"a": "=HYPERLINK(\"x\")", "b": "-12.5"}]))
    assert "'=HYPERLINK" in text and ",-12.5" in text


def test_atom_feed_filters_by_capability_and_escapes(client):
    r = client.get("/feeds/purchases.atom?capability=anpr")
    assert r.headers["content-type"].startswith("application/atom+xml")
    import xml.etree.ElementTree as ET

    root = ET.fromstring(r.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert len(titles) == 2
    assert "<script>alert(1)</script> ANPR kamere" in titles  # text, parsed back; the raw XML is escaped
    assert b"<script>" not in r.content


def test_map_shows_cameras_when_camera_data_is_loaded(tmp_path):
    from fastapi.testclient import TestClient
    from web_sample import build_sample_store

    from nadzor.store import Store
    from nadzor.web.app import create_app

    with Store.open(tmp_path / "c.duckdb") as s:
        build_sample_store(s)
        # A fictional FOI answer: 12 cameras in a municipality of the Nišavski district.
        s.con.execute("""INSERT INTO camera_counts (area_code, area_name, cameras, basis, as_of, note)
                         VALUES ('70025', 'Aleksinac', 12, 'foi', '2025-01-01', 'fictional test count')""")
    with TestClient(create_app(tmp_path / "c.duckdb")) as c:
        d = {x["district"]: x for x in c.get("/api/districts").json()["districts"]}
        assert d["Nišavski"]["cameras"] == 12
        html = c.get("/map?show=cameras").text
        assert "Cameras per district" in html and ">12<" in html
