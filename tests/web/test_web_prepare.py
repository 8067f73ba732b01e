"""The web-index analysis step: indexes, the normalised search table, and search through it."""

from __future__ import annotations

from nadzor.web.prepare import build_web_index


def test_web_index_step_is_registered():
    from nadzor.plugins import collect

    assert "web-index" in {s.name for s in collect("register_analysis_steps")}


def test_search_uses_the_index_and_finds_across_scripts(tmp_path):
    from web_sample import build_sample_store

    from nadzor.store import Store
    from nadzor.web import queries

    with Store.open(tmp_path / "s.duckdb") as s:
        build_sample_store(s)
        summary = build_web_index(s)
        assert summary["search_texts"] >= 16
        r = queries.Reader.from_store(s)
        assert "search_index" in r.present
        res = queries.search(r, "камере за надзор")
        assert res["indexed"] is True
        assert [p["ocid"] for p in res["purchases"]] == ["ocds-test-0007"]
        assert any(o["key"] == "E-kamera" for o in queries.search(r, "kamera tek")["organisations"])
        # Running it again replaces, not duplicates.
        assert build_web_index(s)["search_texts"] == summary["search_texts"]
        assert s.scalar("SELECT count(*) FROM search_index") == summary["search_texts"]


def _summary(page: dict, partners: str) -> dict:
    return {"n_purchases": page["n_purchases"], "single_bid": page["single_bid"], "per_year": page["per_year"],
            "ocids": sorted(p["ocid"] for p in page["purchases"]),
            "partners": sorted((x["key"], x["purchases"]) for x in page[partners]),
            "flags": sorted((f["code"], f["ocid"] or "") for f in page["flags"])}


def test_precomputed_org_pages_match_live_queries(tmp_path):
    from web_sample import build_sample_store

    from nadzor.store import Store
    from nadzor.web import queries

    with Store.open(tmp_path / "s.duckdb") as s:
        build_sample_store(s)
        r = queries.Reader.from_store(s)
        keys = [("buyer", k) for k in ("RS-MB-90000001", "RS-MB-90000002", "RS-MB-90000003")] + \
               [("supplier", k) for k in ("E-kamera", "RS-MB-80000002", "RS-MB-80000003")]

        def pages():
            out = {}
            for role, key in keys:
                for scope in ("surveillance", "all"):
                    if role == "buyer":
                        out[role, key, scope] = _summary(queries.get_buyer(r, key, scope=scope), "suppliers")
                    else:
                        out[role, key, scope] = _summary(queries.get_supplier(r, key, scope=scope), "buyers")
            return out

        _assert_same_after_index(s, r, "web_org_purchases", pages)


def _assert_same_after_index(store, r, table: str, collect):
    """Collect results from the live queries, build the web index, collect them again through ``table``, and
    return them."""
    live = collect()
    assert table not in r.present
    build_web_index(store)
    r.refresh()
    assert table in r.present
    assert collect() == live
    return live


def test_precomputed_purchase_lists_match_live_queries(tmp_path):
    from web_sample import build_sample_store

    from nadzor.store import Store
    from nadzor.web import queries
    from nadzor.web.download import PURCHASE_COLUMNS, all_rows, rows_to_csv

    filters = [{}, {"scope": "all"}, {"capability": "anpr"}, {"capability": "cctv", "scope": "all"},
               {"buyer": "RS-MB-90000001"}, {"buyer": "RS-MB-90000002", "scope": "all"}, {"supplier": "E-kamera"},
               {"supplier": "E-kamera", "bids": "single"}, {"year": 2023}, {"year": 2024, "scope": "all"},
               {"since": "2023-06-01"}, {"flag": "R003"}, {"bids": "multiple", "scope": "all"},
               {"region": "Raški"}, {"region": "Nišavski", "scope": "all"}, {"supplier": "nope"}]

    with Store.open(tmp_path / "s.duckdb") as s:
        build_sample_store(s)
        r = queries.Reader.from_store(s)

        def lists():
            out = {}
            for i, f in enumerate(filters):
                for sort in queries.SORTS:
                    for page in (1, 2):
                        p = queries.list_purchases(r, queries.PurchaseFilters(**f), sort=sort, page=page, per_page=2)
                        out[i, sort, page] = (p.total, p.rows)
                fetch = lambda **kw: queries.list_purchases(r, queries.PurchaseFilters(**f), **kw)  # noqa: E731
                out[i, "csv"] = "".join(rows_to_csv(all_rows(fetch), PURCHASE_COLUMNS))
            return out

        live = _assert_same_after_index(s, r, "web_purchases", lists)
        # Without the per-organisation listing, buyer and supplier filters are conditions on web_purchases.
        r.present.discard("web_org_listing")
        assert lists() == live


def test_precomputed_tables_are_ignored_once_processes_change(tmp_path):
    from web_sample import build_sample_store

    from nadzor.store import Store
    from nadzor.web import queries

    with Store.open(tmp_path / "s.duckdb") as s:
        build_sample_store(s)
        build_web_index(s)
        r = queries.Reader.from_store(s)
        assert {"web_purchases", "web_org_purchases", "search_index"} <= r.present
        s.con.execute("INSERT INTO processes (ocid, title) VALUES ('ocds-test-0099', 'Nova nabavka')")
        r.refresh()
        assert not {"web_purchases", "web_org_purchases", "search_index"} & r.present
        assert queries.list_purchases(r, queries.PurchaseFilters(scope="all")).total == 9


def test_search_through_words_finds_what_a_scan_finds(tmp_path, monkeypatch):
    from web_sample import build_sample_store

    from nadzor.store import Store
    from nadzor.web import queries
    from nadzor.web.text import normalise

    with Store.open(tmp_path / "s.duckdb") as s:
        build_sample_store(s)
        build_web_index(s)
        r = queries.Reader.from_store(s)
        assert "search_words" in r.present
        texts = [t for (t,) in s.con.execute("SELECT norm FROM search_index").fetchall()]
        # Whole texts, and slices that start and end inside words, across spaces and punctuation.
        probes = texts + [t[i:i + n] for t in texts for i in range(0, len(t), 7) for n in (2, 5, 12)]
        probes += ["камере за надзор", "KAMERA TEK", "Šumić", "d.o.o", ".o.", " nadzor", "zor ", "-", "zzzz",
                   "αβγ kamera", "ž"]

        def found(q):
            res = queries.search(r, q, limit=500)
            return (sorted((p["ocid"], str(p["matches"])) for p in res["purchases"]),
                    sorted((o["role"], o["key"]) for o in res["organisations"]))

        probes = [q for q in dict.fromkeys(probes) if len(normalise(q)) >= 2]
        indexed = {q: found(q) for q in probes}
        monkeypatch.setattr(queries, "POINT_LOOKUPS", 0)  # candidates read with one IN list, not point lookups
        assert {q: found(q) for q in probes} == indexed
        r.present.discard("search_words")
        assert {q: found(q) for q in probes} == indexed
        assert any(indexed[q][0] for q in probes) and any(indexed[q][1] for q in probes)
