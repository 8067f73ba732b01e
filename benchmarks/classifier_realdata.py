"""Run the classifier over the real OCDS and TED records in ../shared/data and list what it flags, and why.

Usage: python benchmarks/classifier_realdata.py [SHARED_DATA_DIR]

OCDS: every file is ingested into a temporary store and the ``classify`` step runs on it (the same code path
as ``nadzor analyze``). TED: each TED-XML notice's original-language form section is read (title, short
descriptions, lot titles, CPV codes) and classified as one process. These records contain almost no camera
tenders, so every flag is a candidate false positive to judge by hand (see benchmarks/RESULTS-classifier.md).
"""

import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from nadzor.classify.matcher import Unit, get_matcher

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"):
        if p.exists():
            return p
    sys.exit("no shared data folder found; pass its path")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def ted_units(path: Path) -> tuple[str, list[Unit]]:
    root = ET.parse(path).getroot()
    forms = [e for e in root.iter() if _local(e.tag).startswith("F") and e.get("CATEGORY") == "ORIGINAL"]
    form = forms[0] if forms else root
    units = []
    title = ""
    for el in form.iter():
        tag = _local(el.tag)
        if tag in ("TITLE", "SHORT_DESCR"):
            text = " ".join(t.strip() for t in el.itertext() if t.strip())
            if text:
                title = title or text
                units.append(Unit(texts=[(tag.lower(), text)], locator=path.name))
        elif tag == "CPV_CODE" and el.get("CODE"):
            units.append(Unit(cpv=[("cpv", el.get("CODE"))], locator=path.name))
    return title, units


def main() -> None:
    data = shared_dir()
    m = get_matcher()
    print("== OCDS (ingested, classify step)")
    from nadzor.classify.store import classify_store

    with tempfile.TemporaryDirectory() as tmp:
        from nadzor.store import Store

        store = Store.open(Path(tmp) / "real.duckdb")
        _ingest(store, data / "ocds")
        t0 = time.perf_counter()
        summary = classify_store(store)
        took = time.perf_counter() - t0
        n_items = store.scalar("SELECT count(*) FROM items")
        print(f"processes {summary['processes']}, items {n_items}, flagged {summary['surveillance']} "
              f"(classify step {took:.2f} s)")
        for r in store.rows("SELECT c.ocid, p.title, c.capabilities, c.vendors FROM classifications c "
                            "JOIN processes p USING (ocid) WHERE c.is_surveillance OR len(c.vendors) > 0 ORDER BY 1"):
            print(f"  {r['ocid']}: {r['title']!r} {r['capabilities']} vendors={r['vendors']}")
            for e in store.rows("SELECT field, rule, matched FROM classification_evidence WHERE ocid = ?",
                                [r["ocid"]]):
                print(f"     {e['field']}: {e['rule']} {e['matched']!r}")
        store.close()
    print("== TED (TED-XML R2.0.9, original-language section)")
    files = sorted((data / "ted" / "ted-xml-r209").glob("*.xml"))
    flagged = 0
    for f in files:
        title, units = ted_units(f)
        res = m.classify_units(units)
        if res.is_surveillance or res.vendors:
            flagged += res.is_surveillance
            print(f"  {f.name}: {title[:100]!r} {res.capabilities} vendors={res.vendors}")
            for unit, match in res.evidence:
                print(f"     {match.field}: {match.rule} {match.matched!r}")
    print(f"notices {len(files)}, flagged {flagged}")


def _ingest(store, path: Path) -> None:
    from nadzor.ingest.ocds import ingest_paths

    ingest_paths(store, [str(path)])


if __name__ == "__main__":
    main()
