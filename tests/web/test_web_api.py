"""The JSON API: every route, pagination, downloads, errors, and the OpenAPI description."""

from __future__ import annotations

import pytest


def test_purchases_are_paged(client):
    first = client.get("/api/purchases?per_page=2").json()
    assert first["total"] == 6 and first["pages"] == 3 and len(first["results"]) == 2
    second = client.get("/api/purchases?per_page=2&page=2").json()
    assert {r["ocid"] for r in first["results"]}.isdisjoint(r["ocid"] for r in second["results"])


def test_purchases_filters_combine(client):
    res = client.get("/api/purchases?supplier=E-kamera&bids=single").json()
    assert sorted(r["ocid"] for r in res["results"]) == ["ocds-test-0001", "ocds-test-0002", "ocds-test-0007"]
    assert client.get("/api/purchases?year=2023&capability=anpr").json()["total"] == 1
    assert client.get("/api/purchases?flag=R003").json()["total"] == 3
    assert client.get("/api/purchases?region=Raški").json()["total"] == 3


def test_purchases_sort_by_value(client):
    rows = client.get("/api/purchases?sort=-value").json()["results"]
    values = [r["value"] for r in rows]
    assert values == sorted(values, reverse=True)


def test_process_has_all_parts(client):
    p = client.get("/api/processes/ocds-test-0003").json()
    assert len(p["bids"]) == 2 and p["bids"][0]["tenderers"]
    assert p["awards"][0]["suppliers"][0]["supplier_id"] == "RS-MB-80000002"
    assert p["sources"][0]["licence"] == "CC BY 4.0 (fictional sample)"
    assert p["classification"]["capabilities"] == ["anpr"]


def test_release_is_the_compiled_ocds(client):
    assert client.get("/api/releases/ocds-test-0001").json()["ocid"] == "ocds-test-0001"


def test_buyers_and_suppliers(client):
    buyers = client.get("/api/buyers").json()
    assert buyers["total"] == 3
    one = client.get("/api/buyers?only_one_supplier=true").json()
    assert {b["key"] for b in one["results"]} == {"RS-MB-90000001", "RS-MB-90000003"}
    b = client.get("/api/buyers/RS-MB-90000001").json()
    assert b["n_purchases"] == 3 and b["district"] == "Raški"
    s = client.get("/api/suppliers/E-kamera").json()
    assert s["n_purchases"] == 3
    assert {m["rule"] for m in s["entity"]["merged"]} == {"identifier", "normalised_name"}


def test_flags_and_indicators(client):
    assert client.get("/api/flags?code=R003").json()["total"] == 3
    codes = {i["code"] for i in client.get("/api/indicators").json()}
    # every registered indicator is listed (Cardinal's R-codes and nadzor's NZ-codes), with or without findings
    from nadzor.plugins import collect

    assert {d.code for d in collect("register_indicators")} <= codes  # plus codes that only have findings
    assert {"R003", "NZ01"} <= codes
    assert client.get("/api/indicators/R003").json()["findings"]["total"] == 3
    assert client.get("/api/indicators/R999").status_code == 404


def test_search_is_script_insensitive(client):
    res = client.get("/api/search", params={"q": "КАМЕРА ТЕК"}).json()
    assert any(o["key"] == "E-kamera" for o in res["organisations"])
    res = client.get("/api/search", params={"q": "sistem za prepoznavanje"}).json()
    assert [p["ocid"] for p in res["purchases"]] == ["ocds-test-0002"]


def test_search_too_short_is_400(client):
    r = client.get("/api/search?q=a")
    assert r.status_code == 400 and "two letters" in r.json()["error"]


@pytest.mark.parametrize("url", ["/api/purchases?format=json", "/api/buyers?format=json", "/api/suppliers?format=json",
                                 "/api/flags?format=json"])
def test_lists_download_every_row_as_json(client, url):
    r = client.get(url)
    assert isinstance(r.json(), list) and r.json()
    assert "attachment" in r.headers["content-disposition"]


@pytest.mark.parametrize("url", ["/api/purchases?format=csv", "/api/buyers?format=csv", "/api/suppliers?format=csv",
                                 "/api/flags?format=csv"])
def test_lists_download_as_csv(client, url):
    r = client.get(url)
    assert r.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("url,status", [
    ("/api/processes/nope", 404), ("/api/buyers/nope", 404), ("/api/suppliers/nope", 404),
    ("/api/purchases?page=0", 400), ("/api/purchases?per_page=501", 400), ("/api/purchases?bids=some", 400),
    ("/api/purchases?scope=everything", 400), ("/api/flags?code=R0%3B03", 400), ("/api/nothing", 404),
])
def test_errors_are_json_with_status(client, url, status):
    r = client.get(url)
    assert r.status_code == status
    assert r.json()["status"] == status and r.json()["error"]


def test_openapi_lists_the_routes(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for p in ("/api/purchases", "/api/processes/{ocid}", "/api/buyers", "/api/suppliers", "/api/flags",
              "/api/search"):
        assert p in paths


def test_api_is_read_only(client):
    assert client.post("/api/purchases").status_code == 405
    assert client.delete("/api/processes/ocds-test-0001").status_code == 405


def test_overview_and_districts(client, empty_client):
    o = client.get("/api/overview").json()
    assert o["stats"]["buyers"] == 3 and o["analysed"]["classified"]
    e = empty_client.get("/api/overview").json()
    assert e["stats"]["purchases"] == 0 and not e["analysed"]["classified"]
    d = client.get("/api/districts").json()
    assert sum(x["purchases"] for x in d["districts"]) + d["unplaced"] == 6
