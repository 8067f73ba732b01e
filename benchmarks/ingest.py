"""Ingest benchmark: generated compiled releases (benchmarks/generate.py) into a fresh store.

    python benchmarks/ingest.py 100000 [1000000 ...]

Prints, per size: wall time, releases per second, CPU seconds and peak RSS (this process and children), and the
machine. The target (issue 2) is >= 60,000 releases/s and <= 1 GiB peak RSS at 1M on a 2-core machine.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import write_file  # noqa: E402


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}"


def run(n: int, workdir: Path) -> dict:
    import duckdb

    from nadzor.ingest.ocds import ingest_paths
    from nadzor.store import Store

    data = workdir / f"gen-{n}.jsonl"
    if not data.exists():
        t = time.time()
        write_file(n, str(data))
        print(f"  generated {n:,} releases ({data.stat().st_size / 2**20:,.0f} MiB) in {time.time() - t:.1f} s")
    db = workdir / f"bench-{n}.duckdb"
    for p in workdir.glob(f"bench-{n}.duckdb*"):
        if p.is_dir():
            import shutil

            shutil.rmtree(p)
        else:
            p.unlink()
    marks: dict[str, float] = {}

    def progress(phase, done, total):  # first call of the rebuild phase ends the staging phase
        marks.setdefault(phase, time.time())

    from nadzor.normalize import stage

    if stage.enabled():
        stage.tune_heap()  # as `nadzor ingest` does before it opens the store
    cpu0 = time.process_time()
    t0 = time.time()
    with Store.open(db) as store:
        report = ingest_paths(store, [str(data)], progress=progress)
        t_end = time.time()
        processes = store.scalar("SELECT count(*) FROM processes")
    wall = time.time() - t0
    cpu = time.process_time() - cpu0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    staged = marks.get("build", t_end) - t0
    size = sum(p.stat().st_size for p in workdir.glob(f"bench-{n}.duckdb*") if p.is_file())
    return {"releases": report.releases, "processes": processes, "wall_s": round(wall, 1),
            "releases_per_s": round(report.releases / wall), "cpu_s": round(cpu, 1), "peak_rss_mib": round(rss),
            "staging_s": round(staged, 1), "rebuild_s": round(t_end - t0 - staged, 1),
            "store_mib": round(size / 2**20), "loadavg_1m": os.getloadavg()[0], "duckdb": duckdb.__version__}


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [100_000]
    workdir = Path(os.environ.get("NADZOR_BENCH_DIR", tempfile.gettempdir())) / "nadzor-bench"
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    for n in sizes:
        # a fresh process per size, so peak RSS is per size
        if len(sizes) > 1:
            os.system(f"{sys.executable} {__file__} {n}")
            continue
        print(f"ingest {n:,} generated compiled releases:")
        print(f"  {run(n, workdir)}")


if __name__ == "__main__":
    main(sys.argv[1:])
