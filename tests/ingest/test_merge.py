"""Individual releases of one ocid are merged with ocdsmerge; a later ingest re-merges."""

from tests.ingest.conftest import release


def test_later_releases_are_merged_into_the_process(store, write, ingest):
    ingest(write("1.json", release(rid="r1", date="2024-01-01T00:00:00Z")))
    assert store.scalar("SELECT count(*) FROM awards") == 0
    award = release(rid="r2", date="2024-03-01T00:00:00Z", tag=("award",),
                    awards=[{"id": "a1", "status": "active", "value": {"amount": 900, "currency": "RSD"},
                             "suppliers": [{"id": "S1", "name": "Dobavljač d.o.o."}]}])
    award["tender"] = {"id": "t1", "title": "Nabavka opreme (izmena)"}
    ingest(write("2.json", award))
    p = store.rows("SELECT * FROM processes")[0]
    assert p["release_count"] == 2 and p["compiled_from"] == "merged"
    assert p["title"] == "Nabavka opreme (izmena)"
    assert p["tender_value_amount"] == 1000  # from the first release, kept by the merge
    assert p["award_value_amount"] == 900 and p["award_value_currency"] == "RSD"
    # the award row points to the release that published it, in its own file
    src, loc = store.con.execute("SELECT source_id, locator FROM awards").fetchone()
    path = store.scalar("SELECT original_path FROM sources WHERE source_id = ?", [src])
    assert path.endswith("2.json") and loc == "/awards/0"
    assert store.scalar("SELECT supplier_name FROM award_suppliers") == "Dobavljač d.o.o."


def test_reingesting_the_same_file_changes_nothing(store, write, ingest):
    from tests.ingest.conftest import counts

    p = write("1.json", release())
    ingest(p)
    before = counts(store)
    report = ingest(p)
    assert report.sources_skipped == 1 and report.releases == 0
    assert counts(store) == before


def test_same_release_in_another_file_is_a_duplicate(store, write, ingest):
    ingest(write("1.json", release()))
    report = ingest(write("copy.jsonl", [release()], lines=True))
    assert report.duplicates == 1 and report.releases == 0
    assert store.scalar("SELECT count(*) FROM quarantine") == 0
