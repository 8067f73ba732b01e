"""Cardinal's ``coverage``: how many times each field is non-empty in a JSON-lines file.

Paths: ``""`` is a line, a path ending in ``/`` an object, ending in ``[]`` an array element, others an object
member. Empty values ("" [] {} null, and containers holding only empty values) are not counted.
"""

from __future__ import annotations

from pathlib import Path

from nadzor.exceptions import InputError
from nadzor.indicators.cardinal.reader import json_lines

__all__ = ["coverage", "coverage_file", "indicator_support", "INDICATOR_FIELDS"]


def _add(counts: dict, value, path: str) -> bool:
    increment = False
    if isinstance(value, list):
        if value:
            child = path + "[]"
            for item in value:
                increment |= _add(counts, item, child)
    elif isinstance(value, dict):
        if value:
            obj = path + "/"
            for k, v in value.items():
                increment |= _add(counts, v, obj + k)
            if increment:
                counts[obj] = counts.get(obj, 0) + 1
    elif isinstance(value, str):
        increment = bool(value)
    elif value is not None:  # numbers and booleans
        increment = True
    if increment:
        counts[path] = counts.get(path, 0) + 1
    return increment


def coverage(lines, warnings=None) -> dict[str, int]:
    """Count non-empty fields over an iterable of byte lines (invalid lines skipped with a warning)."""
    counts: dict[str, int] = {}
    for _number, value in json_lines(lines, warnings):
        _add(counts, value, "")
    return counts


def coverage_file(path: str | Path) -> dict[str, int]:
    """Count non-empty fields in a JSON-lines file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    with open(p, "rb") as fh:
        return coverage(fh)


# The fields each indicator reads (Cardinal paths); all must be present for the indicator to be computable.
INDICATOR_FIELDS = {
    "R003": ["/tender/tenderPeriod/startDate", "/tender/tenderPeriod/endDate"],
    "R018": ["/tender/numberOfTenderers", "/tender/procurementMethod"],
    "R024": ["/awards[]/status", "/awards[]/suppliers[]/id", "/bids/details[]/status",
             "/bids/details[]/value/amount", "/bids/details[]/value/currency", "/bids/details[]/tenderers[]/id"],
    "R025": ["/awards[]/status", "/awards[]/suppliers[]/id", "/bids/details[]/status",
             "/bids/details[]/tenderers[]/id"],
    "R028": ["/bids/details[]/status", "/bids/details[]/value/amount", "/bids/details[]/value/currency",
             "/bids/details[]/tenderers[]/id"],
    "R030": ["/tender/tenderPeriod/endDate", "/awards[]/status", "/awards[]/suppliers[]/id",
             "/bids/details[]/status", "/bids/details[]/date", "/bids/details[]/tenderers[]/id"],
    "R035": ["/awards[]/status", "/awards[]/suppliers[]/id", "/bids/details[]/status",
             "/bids/details[]/tenderers[]/id"],
    "R036": ["/awards[]/status", "/bids/details[]/status", "/bids/details[]/value/amount",
             "/bids/details[]/value/currency"],
    "R038": ["/bids/details[]/status", "/bids/details[]/tenderers[]/id"],
    "R048": ["/awards[]/status", "/awards[]/items[]/classification/id", "/awards[]/suppliers[]/id"],
    "R058": ["/awards[]/status", "/awards[]/suppliers[]/id", "/bids/details[]/status",
             "/bids/details[]/value/amount", "/bids/details[]/value/currency", "/bids/details[]/tenderers[]/id"],
}


def indicator_support(counts: dict[str, int]) -> list[dict]:
    """Say for each indicator whether the data has the fields it reads, and which are missing."""
    lines = counts.get("", 0)
    out = []
    for code, fields in INDICATOR_FIELDS.items():
        missing = [f for f in fields if not counts.get(f)]
        least = min((counts.get(f, 0) for f in fields), default=0)
        out.append({
            "code": code,
            "supported": not missing,
            "releases": lines,
            "least_covered_count": least,
            "missing": missing,
        })
    return out
