"""Measure ``classify_store`` (the ``classify`` step of ``nadzor analyze``) on an existing store.

Usage: python benchmarks/classifier_store.py STORE.duckdb

Make a store first, e.g. ``python benchmarks/generate.py 100000 r100k.jsonl`` then
``nadzor --db s100k.duckdb ingest r100k.jsonl``. Prints processes, evidence rows, wall and CPU seconds and the
peak RSS of this process (the classification rows of the store are replaced, nothing else changes).
"""

import resource
import sys
import time

from nadzor.classify.store import classify_store
from nadzor.store import Store

store = Store.open(sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
summary = classify_store(store)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
store.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with open("/proc/loadavg") as f:
    load = f.read().split()[0]
print(f"processes {summary['processes']:,}, surveillance {summary['surveillance']:,}, "
      f"evidence rows {summary['evidence_rows']:,}: {wall:.1f} s wall, {cpu:.1f} CPU s, "
      f"{summary['processes'] / wall:,.0f} processes/s, peak RSS {peak:,.0f} MiB (load {load})")
