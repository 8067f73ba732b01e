"""Measure classifier throughput in item texts per second.

Usage: python benchmarks/classifier_speed.py [N] [--devset-only]

Texts: real item descriptions from the shared OCDS samples, the titles of the TED notice index and the
labelled dev set (when present; --devset-only for the dev set alone), made distinct by a number so that no
cache helps ("cold"), then 1,000 of them repeated ("cached": procurement data repeats the same item
descriptions many times). CPU time is printed beside wall time because the machine may be shared.
"""

import csv
import os
import sys
import time
from pathlib import Path

from nadzor.classify.matcher import get_matcher
from nadzor.classify.text import normalize

ROOT = Path(__file__).resolve().parent.parent
args = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(args[0]) if args else 200_000

base = []
for shared in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
    ted = shared / "data" / "ted" / "ted_notices_index.csv"
    if ted.exists():
        break


def _item_descriptions(obj, out, in_items=False):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if in_items and k == "description" and isinstance(v, str) and v.strip():
                out.append(v.strip()[:300])
            _item_descriptions(v, out, in_items=(k == "items") or (in_items and isinstance(v, dict)))
    elif isinstance(obj, list):
        for v in obj:
            _item_descriptions(v, out, in_items)


ocds_dir = ted.parent.parent / "ocds"
if ocds_dir.exists():
    import json

    found = []
    for f in sorted(ocds_dir.rglob("*.json")):
        try:
            _item_descriptions(json.loads(f.read_bytes()), found)
        except (ValueError, UnicodeDecodeError):
            continue
    base += sorted(set(found))
if ted.exists():
    with open(ted, encoding="utf-8") as f:
        base += sorted({r["title"] for r in csv.DictReader(f) if r["title"]})
with open(ROOT / "tests" / "fixtures" / "classifier" / "devset.csv", encoding="utf-8") as f:
    base += [r["text"] for r in csv.DictReader(f)]
if "--devset-only" in sys.argv:
    base = base[-240:]
m = get_matcher()
m.classify_text("warm up")
REPEATS = 5
chunk = N // REPEATS
rates, cpu_rates, positives = [], [], 0
for rep in range(REPEATS):
    # new suffixes every round: nothing is in the caches
    texts = [f"{base[i % len(base)]} {rep}-{i}" for i in range(chunk)]
    normalize.cache_clear()
    m._cached.cache_clear()
    t0, c0 = time.perf_counter(), time.process_time()
    positives += sum(m.classify_text(t).is_surveillance for t in texts)
    rates.append(chunk / (time.perf_counter() - t0))
    cpu_rates.append(chunk / (time.process_time() - c0))
avg_len = sum(map(len, texts)) / len(texts)
t0 = time.perf_counter()
for t in texts[:1000] * (chunk // 1000):
    m.classify_text(t)
cached = (chunk // 1000) * 1000 / (time.perf_counter() - t0)
rates.sort()
cpu_rates.sort()
print(f"{N:,} distinct texts in {REPEATS} rounds (avg {avg_len:.0f} chars, {len(base)} base texts, "
      f"{positives:,} positive); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
print(f"cold:   best {rates[-1]:,.0f} texts/s, median {rates[REPEATS // 2]:,.0f} (wall); "
      f"best {cpu_rates[-1]:,.0f}, median {cpu_rates[REPEATS // 2]:,.0f} (CPU time)")
print(f"cached: {cached:,.0f} texts/s (1,000 distinct texts repeated)")
