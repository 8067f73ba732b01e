"""Markup from the data comes out escaped on every page, in JSON embedded in pages, and in the API."""

from __future__ import annotations

import json

import pytest

PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>"]
PAGES = ["/", "/purchases", "/purchases?scope=all", "/purchases/ocds-test-0003", "/purchases/ocds-test-0001",
         "/purchases/ocds-test-0007", "/buyers", "/buyers/RS-MB-90000002", "/suppliers", "/suppliers/RS-MB-80000002",
         "/suppliers/E-kamera", "/flags", "/indicators/R003", "/search?q=svetionik", "/search?q=vision",
         "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "/map", "/purchases/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
         "/buyers/%3Cimg%20src=x%20onerror=alert(2)%3E"]


@pytest.mark.parametrize("url", PAGES)
def test_payloads_never_appear_raw_in_pages(client, url):
    html = client.get(url).text
    for payload in PAYLOADS:
        assert payload not in html


@pytest.mark.parametrize("url", ["/purchases/ocds-test-0003", "/buyers/RS-MB-90000002", "/suppliers/RS-MB-80000002"])
def test_payloads_are_shown_as_text(client, url):
    html = client.get(url).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;img src=x onerror=alert(2)&gt;" in html


def test_chart_json_in_script_tags_cannot_close_the_tag(client):
    html = client.get("/").text
    blocks = html.split('<script type="application/json" data-chart="')[1:]
    assert blocks
    for block in blocks:
        body = block.split(">", 1)[1].split("</script>", 1)[0]
        assert "<" not in body
        json.loads(body)  # still valid JSON
    assert "\\u003cimg src=x onerror=alert(2)\\u003e Vision Ltd" in html


def test_api_returns_payloads_as_json_strings(client):
    r = client.get("/api/processes/ocds-test-0003")
    assert r.headers["content-type"] == "application/json"
    assert r.json()["process"]["title"] == "<script>alert(1)</script> ANPR kamere"


def test_error_pages_escape_the_requested_key(client):
    r = client.get("/purchases/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert r.status_code == 404
    assert "&lt;script&gt;" in r.text
