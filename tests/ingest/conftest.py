import gzip
from pathlib import Path

import orjson
import pytest

from nadzor.ingest.ocds import ingest_paths
from nadzor.store import Store


def release(ocid="ocds-t-1", rid="r1", date="2024-01-10T00:00:00Z", tag=("tender",), **extra):
    base = {"ocid": ocid, "id": rid, "date": date, "tag": list(tag), "initiationType": "tender",
            "parties": [{"id": "B1", "name": "Opština Testovo", "roles": ["buyer"],
                         "identifier": {"scheme": "RS-MB", "id": "07000001"}}],
            "buyer": {"id": "B1", "name": "Opština Testovo"},
            "tender": {"id": "t1", "title": "Nabavka opreme", "status": "active",
                       "value": {"amount": 1000, "currency": "RSD"}}}
    base.update(extra)
    return base


def package(*releases, version="1.1", **extra):
    return {"uri": "http://example.org/p", "version": version, "publishedDate": "2024-02-01T00:00:00Z",
            "publisher": {"name": "Test Publisher"}, "license": "https://creativecommons.org/licenses/by/4.0/",
            "releases": list(releases), **extra}


@pytest.fixture
def write(tmp_path):
    """Write JSON (or lines, or raw bytes) to a file under tmp_path and return its path."""

    def _write(name: str, content, *, lines: bool = False, gz: bool = False) -> Path:
        p = tmp_path / name
        if isinstance(content, bytes):
            data = content
        elif lines:
            data = b"".join(orjson.dumps(x) + b"\n" for x in content)
        else:
            data = orjson.dumps(content, option=orjson.OPT_INDENT_2)
        p.write_bytes(gzip.compress(data) if gz else data)
        return p

    return _write


@pytest.fixture
def ingest(store):
    def _ingest(*paths):
        return ingest_paths(store, [str(p) for p in paths])

    return _ingest


def counts(store: Store) -> dict:
    return {t: store.scalar(f"SELECT count(*) FROM {t}") for t in
            ("sources", "releases", "processes", "items", "parties", "bids", "bid_tenderers", "awards",
             "award_suppliers", "contracts", "amendments", "documents", "quarantine", "warnings")}
