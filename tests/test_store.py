from pathlib import Path

from nadzor.store import Store, schema_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_schema_docs_are_current():
    committed = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert committed == schema_markdown(), "docs/schema.md is stale: run `python -m nadzor.store`"


def test_every_table_and_column_is_documented(tmp_path):
    doc = schema_markdown()
    with Store.open(tmp_path / "s.duckdb") as store:
        for table in store.table_names():
            assert f"## {table}\n" in doc, f"table {table} is not documented"
            section = doc.split(f"## {table}\n", 1)[1].split("\n## ", 1)[0]
            for (column,) in store.con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall():
                assert f"| {column} |" in section, f"{table}.{column} is not documented"


def test_archive_is_content_addressed_and_idempotent(tmp_path):
    f = tmp_path / "a.json"
    f.write_bytes(b'{"x": 1}')
    with Store.open(tmp_path / "s.duckdb") as store:
        d1, p1, n = store.archive_file(f)
        d2, p2, _ = store.archive_file(f)
        assert d1 == d2 and p1 == p2 and n == 8
        assert p1 == tmp_path / "s.duckdb.archive" / d1[:2] / d1
        assert not list(p1.parent.glob(".incoming-*"))


def test_transaction_rolls_back_on_error(tmp_path):
    import pytest

    with Store.open(tmp_path / "s.duckdb") as store:
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.con.execute("INSERT INTO meta VALUES ('x', 'y')")
                raise RuntimeError("boom")
        assert store.scalar("SELECT count(*) FROM meta WHERE key = 'x'") == 0


def test_a_new_store_is_written_in_the_chosen_storage_format_and_an_old_one_keeps_its_own(tmp_path):
    import duckdb

    from nadzor.store import STORAGE_VERSION

    def version(store):
        (tags,) = store.con.execute(
            "SELECT tags FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
        return tags["storage_version"]

    with Store.open(tmp_path / "new.duckdb") as store:
        assert version(store) == STORAGE_VERSION + "+"
        with Store.open(tmp_path / "new.duckdb") as again:  # a second store on the file, in the same process
            assert version(again) == STORAGE_VERSION + "+"
    with Store.open(tmp_path / "new.duckdb") as store:  # opened again: unchanged
        assert version(store) == STORAGE_VERSION + "+"
    duckdb.connect(str(tmp_path / "old.duckdb")).close()  # DuckDB's default format
    with Store.open(tmp_path / "old.duckdb") as store:
        assert version(store) != STORAGE_VERSION + "+"
        assert store.scalar("SELECT count(*) FROM releases") == 0  # migrated and usable


def test_archive_copies_a_kill_left_unfinished_are_removed_when_the_store_is_opened(tmp_path):
    with Store.open(tmp_path / "s.duckdb") as store:
        kept, _, _ = store.archive_bytes(b'{"x": 1}')
        left = [store.archive_dir / ".incoming-abc", store.archive_dir / kept[:2] / ".incoming-def"]
        for p in left:
            p.write_bytes(b"half a file")
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:  # a reader leaves them (a writer may be busy)
        assert all(p.exists() for p in left)
    with Store.open(tmp_path / "s.duckdb") as store:
        assert not any(p.exists() for p in left)
        assert store.archive_path(kept).read_bytes() == b'{"x": 1}'
