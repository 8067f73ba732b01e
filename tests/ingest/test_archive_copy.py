"""A big file is archived while it is read: hashed first, copied by a thread during staging, and only marked
complete once its archived copy is in place and the original did not change."""

import orjson
import pytest

from nadzor.exceptions import StoreError
from nadzor.ingest import ocds
from nadzor.ingest.ocds import ingest_paths
from nadzor.store import Store
from tests.ingest.conftest import counts, release


@pytest.fixture
def copied_in_background(monkeypatch):
    monkeypatch.setattr(ocds, "ARCHIVE_IN_BACKGROUND", 0)  # every file, however small
    monkeypatch.setattr(ocds, "LINE_CHUNK", 4096)  # several batches, so staging and copying overlap
    monkeypatch.setattr(ocds, "BATCH", 20)


def _lines(path, n, *, conflict=False):
    rows = [release(ocid=f"ocds-bg-{i}", rid=f"r{i}", tag=("compiled",)) for i in range(n)]
    if conflict:  # a release, then the same release id with other content in a later batch: read back to compare
        rows.insert(0, release(ocid="ocds-bg-x", rid="x1"))
        rows.append(release(ocid="ocds-bg-x", rid="x1", tag=("award",)))
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def _leftovers(store):
    return sorted(p.name for p in store.archive_dir.rglob(".incoming-*"))


def test_the_archived_copy_is_the_file_and_releases_read_back_from_it(tmp_path, copied_in_background):
    data = _lines(tmp_path / "big.jsonl", 300, conflict=True)
    with Store.open(tmp_path / "s.duckdb") as store:
        report = ingest_paths(store, [str(data)])
        (digest,) = store.con.execute("SELECT source_id FROM sources WHERE status = 'complete'").fetchone()
        assert store.archive_path(digest).read_bytes() == data.read_bytes()
        assert _leftovers(store) == [] and store.reading_path(digest) == store.archive_path(digest)
        assert report.releases == 301 and report.quarantined == 1  # the conflict was read back and explained
        assert "x1" in store.scalar("SELECT reason FROM quarantine")
        lines = data.read_bytes().decode().splitlines()
        assert store.select_release_texts("r.ocid = 'ocds-bg-7'") == [lines[8]]
        before = counts(store)
        ingest_paths(store, [str(data)])  # again: nothing changes
        assert counts(store) == before


def test_a_file_changed_while_it_is_ingested_is_not_marked_complete(tmp_path, copied_in_background, monkeypatch):
    data = _lines(tmp_path / "big.jsonl", 300)
    original = data.read_bytes()
    stage_batch = ocds._stage_batch
    calls = []

    def stage_and_touch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the file is rewritten by someone else half-way
            with open(data, "ab") as f:
                f.write(orjson.dumps(release(ocid="ocds-bg-late", rid="late")) + b"\n")
        return stage_batch(*args, **kwargs)

    monkeypatch.setattr(ocds, "_stage_batch", stage_and_touch)
    with Store.open(tmp_path / "s.duckdb") as store:
        with pytest.raises(StoreError, match="big.jsonl: the file changed while it was being ingested"):
            ingest_paths(store, [str(data)])
        assert counts(store)["releases"] == 0 and counts(store)["sources"] == 0
        assert _leftovers(store) == [] and not [p for p in store.archive_dir.rglob("*") if p.is_file()]
        monkeypatch.setattr(ocds, "_stage_batch", stage_batch)
        data.write_bytes(original)
        report = ingest_paths(store, [str(data)])  # run again: complete
        assert report.releases == 300 and counts(store)["processes"] == 300


def test_an_error_while_staging_leaves_no_partial_copy(tmp_path, copied_in_background, monkeypatch):
    data = _lines(tmp_path / "big.jsonl", 300)

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ocds, "_stage_batch", fail)
    with Store.open(tmp_path / "s.duckdb") as store:
        with pytest.raises(RuntimeError, match="boom"):
            ingest_paths(store, [str(data)])
        assert _leftovers(store) == [] and not [p for p in store.archive_dir.rglob("*") if p.is_file()]
        assert store.scalar("SELECT count(*) FROM sources") == 0


def test_a_complete_file_whose_archived_copy_went_missing_gets_it_back(tmp_path, copied_in_background):
    data = _lines(tmp_path / "big.jsonl", 30)
    with Store.open(tmp_path / "s.duckdb") as store:
        ingest_paths(store, [str(data)])
        (digest,) = store.con.execute("SELECT source_id FROM sources").fetchone()
        store.archive_path(digest).unlink()
        before = counts(store)
        report = ingest_paths(store, [str(data)])
        assert report.sources_skipped == 1 and counts(store) == before
        assert store.archive_path(digest).read_bytes() == data.read_bytes() and _leftovers(store) == []


def test_a_store_opened_beside_a_running_copy_leaves_its_temporary_file(tmp_path):
    data = _lines(tmp_path / "big.jsonl", 30)
    with Store.open(tmp_path / "s.duckdb") as store:
        digest, dest, _ = store.archive_file(data, background=True)
        (tmp,) = store.archive_dir.glob(".incoming-*")
        with Store.open(tmp_path / "s.duckdb"):  # another writer on the same file, in this process
            assert tmp.exists()
        store.finish_archive(digest)
        assert dest.read_bytes() == data.read_bytes() and not tmp.exists()
