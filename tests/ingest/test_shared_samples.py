"""All the real OCDS in ../shared/data/ocds ingests: processes = distinct ocids in the files; idempotent."""

import json

import pytest

from nadzor.ingest.ocds import ingest_paths
from tests.conftest import shared_data
from tests.ingest.conftest import counts


def _ocids_in(folder) -> set[str]:
    """Count ocids independently of nadzor: plain json, every shape."""
    found = set()

    def walk(obj):
        if isinstance(obj, list):
            for x in obj:
                walk(x)
        elif isinstance(obj, dict):
            if "records" in obj or ("releases" in obj and "ocid" not in obj):
                walk(obj.get("releases") or [])
                walk(obj.get("records") or [])
            elif isinstance(obj.get("ocid"), str):
                found.add(obj["ocid"])

    for f in sorted(folder.rglob("*.json")):
        raw = f.read_bytes()
        try:
            walk(json.loads(raw))
        except UnicodeDecodeError:
            walk(json.loads(raw.decode("latin-1")))
    return found


@pytest.mark.slow
def test_shared_ocds_samples_ingest_with_exact_counts(store):
    folder = shared_data("ocds")
    expected = _ocids_in(folder)
    report = ingest_paths(store, [str(folder)])
    assert store.scalar("SELECT count(DISTINCT ocid) FROM processes") == len(expected)
    assert {r[0] for r in store.con.execute("SELECT ocid FROM processes").fetchall()} == expected
    assert report.sources == len(list(folder.rglob("*.json")))
    # every quarantined item says why, and names its file
    for row in store.rows("SELECT original_path, locator, reason FROM quarantine"):
        assert row["reason"] and row["original_path"]
    before = counts(store)
    again = ingest_paths(store, [str(folder)])
    assert again.releases == 0 and again.sources == 0
    assert counts(store) == before
