"""Compile the releases of one process into its compiled release (ocdsmerge), and keep, for every array
element of the result, which archived file and JSON pointer it came from."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

__all__ = ["merger", "compile_releases", "versioned_to_compiled", "annotate_origins", "strip_origins",
           "ORIGIN_KEY", "ELEMENT_ARRAYS"]

ORIGIN_KEY = "__nz_origin"  # "source_id|locator" injected into array elements for flattening only

# Arrays whose elements become rows; nested ones are given as (parent array, child path).
ELEMENT_ARRAYS = [
    ("parties",),
    ("planning", "documents"),
    ("tender", "items"),
    ("tender", "lots"),
    ("tender", "documents"),
    ("tender", "amendments"),
    ("bids", "details"),
    ("awards",),
    ("contracts",),
]
NESTED_ARRAYS = {
    ("awards",): [("items",), ("documents",), ("amendments",)],
    ("contracts",): [("items",), ("documents",), ("amendments",), ("implementation", "documents")],
}


@lru_cache(maxsize=1)
def merger():
    """Return an ocdsmerge Merger with OCDS 1.1 rules that needs no network."""
    import ocdsmerge

    data = yaml.safe_load(resources.files("nadzor.normalize").joinpath("merge_rules.yaml").read_text())
    rules = {tuple(p): "omitWhenMerged" for p in data["omitWhenMerged"]}
    rules.update({tuple(p): "wholeListMerge" for p in data["wholeListMerge"]})
    return ocdsmerge.Merger(merge_rules=rules)


def _get(obj, path):
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _elements(doc, path):
    arr = _get(doc, path)
    if isinstance(arr, list):
        for i, el in enumerate(arr):
            if isinstance(el, dict):
                yield i, el


def _key(el, i):
    ident = el.get("id")
    return str(ident) if ident is not None else f"#{i}"


def annotate_origins(compiled: dict, releases: list[tuple[dict, str, str]]) -> dict:
    """Mark each array element of ``compiled`` with the file and pointer of the latest release that had it.

    ``releases`` is [(release, source_id, locator)] in merge order. Elements are matched by ``id``
    (by position when they have none), as ocdsmerge does.
    """
    origin: dict[tuple, str] = {}
    for release, source_id, locator in releases:
        for path in ELEMENT_ARRAYS:
            for i, el in _elements(release, path):
                key = (path, _key(el, i))
                pointer = f"{locator}/{'/'.join(path)}/{i}"
                origin[key] = f"{source_id}|{pointer}"
                for sub in NESTED_ARRAYS.get(path, []):
                    for j, sub_el in _elements(el, sub):
                        origin[(path, key[1], sub, _key(sub_el, j))] = f"{source_id}|{pointer}/{'/'.join(sub)}/{j}"
    for path in ELEMENT_ARRAYS:
        for i, el in _elements(compiled, path):
            k = _key(el, i)
            if (path, k) in origin:
                el[ORIGIN_KEY] = origin[(path, k)]
            for sub in NESTED_ARRAYS.get(path, []):
                for j, sub_el in _elements(el, sub):
                    o = origin.get((path, k, sub, _key(sub_el, j)))
                    if o:
                        sub_el[ORIGIN_KEY] = o
    return compiled


def strip_origins(obj):
    """Remove the origin marks (for storing the compiled release as published)."""
    if isinstance(obj, dict):
        obj.pop(ORIGIN_KEY, None)
        for v in obj.values():
            strip_origins(v)
    elif isinstance(obj, list):
        for v in obj:
            strip_origins(v)
    return obj


def compile_releases(releases: list[dict]) -> dict:
    """Merge individual releases of one ocid (any order; ocdsmerge sorts by date) into a compiled release."""
    return merger().create_compiled_release(releases)


def _is_versioned_list(value) -> bool:
    return (isinstance(value, list) and value and all(
        isinstance(v, dict) and "releaseID" in v and "value" in v for v in value))


def versioned_to_compiled(versioned: dict) -> dict:
    """Turn a versioned release into the compiled release it implies: the last value of each field."""

    def walk(obj):
        if isinstance(obj, dict):
            return {k: walk(v) for k, v in obj.items()}
        if _is_versioned_list(obj):
            return walk(obj[-1]["value"])
        if isinstance(obj, list):
            return [walk(v) for v in obj]
        return obj

    compiled = walk(versioned)
    compiled.setdefault("tag", ["compiled"])
    return compiled
