"""Time TED conversion and ingest of a folder of notices: python benchmarks/sources_ted.py [FOLDER]."""

import sys
import tempfile
import time
from pathlib import Path

from nadzor.ingest.sources import ingest_with_adapter
from nadzor.ingest.ted import convert_ted
from nadzor.store import Store

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/ted/ted-xml-r209")
files = sorted(folder.glob("*.xml"))
size = sum(f.stat().st_size for f in files)
t = time.perf_counter()
releases = sum(len(convert_ted(f).releases) for f in files)
convert_s = time.perf_counter() - t
with tempfile.TemporaryDirectory() as tmp:
    store = Store.open(Path(tmp) / "b.duckdb")
    t = time.perf_counter()
    report = ingest_with_adapter(store, [folder], "ted")
    ingest_s = time.perf_counter() - t
    single = store.scalar("SELECT count(*) FROM awards WHERE number_of_tenderers = 1")
    store.close()
print(f"{len(files)} notices, {size / 1e6:.1f} MB, {releases} releases")
print(f"convert only: {convert_s:.1f} s ({len(files) / convert_s:.1f} notices/s)")
print(f"convert + ingest + rebuild: {ingest_s:.1f} s; {report.processes_updated} processes; "
      f"{single} lot awards with one tender")
