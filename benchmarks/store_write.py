"""How fast DuckDB itself writes the store's tables: the floor under the ingest benchmark.

    python benchmarks/store_write.py [100000] [--uncompressed]

Reads the tables of the store ``benchmarks/ingest.py N`` left behind (run it first) into memory as Arrow tables,
then appends each one to a fresh database file with the store's schema, one INSERT per table, and checkpoints.
Prints the seconds per table, the total, CPU seconds and the file's size. The ingest writes the same rows, so it
cannot be faster than this plus reading, parsing and checking the input. ``--uncompressed`` writes without
DuckDB's compression, to show what it costs.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ingest import machine  # noqa: E402

TABLES = ["releases", "processes", "lots", "items", "parties", "bids", "bid_tenderers", "awards", "award_suppliers",
          "contracts", "amendments", "documents"]


def main(argv: list[str]) -> None:
    import duckdb

    n = int(next((a for a in argv if not a.startswith("--")), "100000"))
    workdir = Path(os.environ.get("NADZOR_BENCH_DIR", tempfile.gettempdir())) / "nadzor-bench"
    store = workdir / f"bench-{n}.duckdb"
    if not store.exists():
        sys.exit(f"{store}: no store; run `python benchmarks/ingest.py {n}` first")
    src = duckdb.connect(str(store), read_only=True)
    data = {t: src.execute(f"SELECT * FROM {t}").to_arrow_table() for t in TABLES}
    schema = {t: src.execute("SELECT sql FROM duckdb_tables() WHERE table_name = ?", [t]).fetchone()[0]
              for t in TABLES}
    src.close()
    target = workdir / f"write-{n}.duckdb"
    for p in (target, Path(f"{target}.wal")):
        if p.exists():
            p.unlink()
    from nadzor.store import STORAGE_VERSION

    con = duckdb.connect(str(target), config={"storage_compatibility_version": STORAGE_VERSION})  # as Store.open
    if "--uncompressed" in argv:
        con.execute("PRAGMA force_compression = 'uncompressed'")
    for t in TABLES:
        con.execute(schema[t])
    print(f"machine: {machine()}, DuckDB {duckdb.__version__}")
    print(f"write the tables of {n:,} ingested releases to a fresh store"
          + (" (uncompressed)" if "--uncompressed" in argv else "") + ":")
    cpu0, t0 = time.process_time(), time.time()
    for t in TABLES:
        arrow_table = data[t]
        start = time.time()
        con.execute(f"INSERT INTO {t} SELECT * FROM arrow_table")
        print(f"  {t:16} {arrow_table.num_rows:>10,} rows {time.time() - start:6.2f} s")
    con.execute("CHECKPOINT")
    wall, cpu = time.time() - t0, time.process_time() - cpu0
    con.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  total {wall:.1f} s wall, {cpu:.1f} CPU s, {n / wall:,.0f} releases/s at most; "
          f"file {target.stat().st_size / 2**20:,.0f} MiB; peak RSS {rss:,.0f} MiB")


if __name__ == "__main__":
    main(sys.argv[1:])
