"""Cardinal-compatible red-flag indicators (R003 ... R058), data-quality ``prepare`` and field ``coverage``.

``compute_indicators`` reads a JSON-lines file of OCDS compiled releases and returns the same results as
open-contracting/cardinal-rs ``indicators`` for the same settings file; ``to_cardinal`` renders them in
Cardinal's JSON shape. The expressions are Ibis, so ``engine="spark"`` runs the same code on PySpark.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from nadzor.indicators.cardinal.common import GROUPS, MAP_KEYS, Result, Run
from nadzor.indicators.cardinal.reader import SCHEMAS
from nadzor.indicators.cardinal.settings import INDICATOR_CODES, Settings, load_settings, parse_settings
from nadzor.indicators.cardinal.stats import round4

__all__ = [
    "compute_indicators",
    "compute_on_tables",
    "to_cardinal",
    "to_rows",
    "load_settings",
    "parse_settings",
    "Settings",
    "Result",
    "INDICATOR_CODES",
    "default_settings",
    "reader_options",
]


def default_settings() -> Settings:
    """Return settings that enable all 11 indicators with Cardinal's defaults."""
    return parse_settings("\n".join(f"[{code}]" for code in INDICATOR_CODES))


def reader_options(settings: Settings) -> dict:
    """Return the reader switches the nadzor variants in ``settings`` need (none in Cardinal mode)."""
    return {
        "extended": settings.option("lots") or settings.option("related_bids"),
        "party_identifiers": settings.option("party_identifiers"),
    }


def _module(code: str):
    return importlib.import_module(f"nadzor.indicators.cardinal.{code.lower()}")


def compute_on_tables(backend, settings: Settings, *, map: bool = False, flat=None,
                      sql_cache: bool = True) -> Result:
    """Compute the enabled indicators on flat tables already registered in ``backend`` (an Ibis backend, or on
    DuckDB an ``engines.DuckDBEngine``).

    ``flat`` is the reader's ``FlatTables``, needed when its organisation ids are codes (the native reader): they
    are decoded in the Result. Without it the tables must have the string ids of ``reader.SCHEMAS``.
    On DuckDB the compiled SQL is cached between runs (``sqlcache``) unless ``sql_cache`` is false.
    """
    schemas, org_names = (flat.schemas, flat.org_names) if flat is not None else (None, None)
    cache = None
    if backend.name == "duckdb" and sql_cache:
        from nadzor.indicators.cardinal.sqlcache import SqlCache

        names = Run.table_names(settings)
        cache = SqlCache.open(settings=settings, map=map,
                              schemas={name: (schemas or SCHEMAS)[name] for name in names})
    run = Run(backend, settings, map=map, schemas=schemas, org_names=org_names, cache=cache)
    result = Result(map=map, org_names=org_names)
    enabled = settings.enabled()
    if map and set(enabled) & {"R025", "R038", "R048"}:
        _tenderers_map(run, result)
    for code in enabled:
        _module(code).evaluate(run, result)
    if cache is not None:
        cache.save()
    return result


def _tenderers_map(run, result) -> None:
    def build():
        b = run.submitted_bids.select("pid", "bid_idx", "has_tenderers", "sole_tenderer_id")
        t = run.tenderers(run.within(b)).select("pid", "tenderer_id").distinct()
        j = t.join(run.processes.select("pid", "ocid"), "pid")
        return j.select("ocid", "tenderer_id").distinct()

    for row in run.fetch("tenderers_map", build):
        result.add_map("ocid_tenderer", row["ocid"], row["tenderer_id"])


def compute_indicators(path: str | Path, settings: Settings | None = None, *, engine: str = "duckdb",
                       map: bool = False, threads: int | None = None, sql_cache: bool = True) -> Result:
    """Compute Cardinal's indicators on a JSON-lines file of compiled releases.

    ``settings`` None enables all 11 indicators with defaults. ``engine`` is ``duckdb`` (default) or ``spark``
    (needs the ``spark`` extra and Java 17). Raises InputError for an unreadable file.
    """
    from nadzor.indicators.cardinal.engines import backend_for
    from nadzor.indicators.cardinal.reader import bound_query_memory, read_releases

    settings = settings if settings is not None else default_settings()
    flat = read_releases(path, threads=threads, **reader_options(settings))
    if engine == "duckdb":
        bound_query_memory(flat)
    with backend_for(engine, flat) as backend:
        return compute_on_tables(backend, settings, map=map, flat=flat, sql_cache=sql_cache)


def to_cardinal(result: Result, *, meta: bool = True) -> dict:
    """Render a Result as Cardinal's output object (groups only when non-empty; Meta rounded; Maps as lists)."""
    out: dict = {g: result.groups[g] for g in GROUPS if result.groups[g]}
    if meta:
        out["Meta"] = {code: {k: round4(v) for k, v in values.items()} for code, values in result.meta.items()}
    if result.map:
        out["Maps"] = {
            k: {ocid: (sorted(v) if isinstance(v, set) else v) for ocid, v in result.maps[k].items()}
            for k in MAP_KEYS
        }
    return out


def to_rows(result: Result) -> list[dict]:
    """Flatten a Result into rows: group, id, code, value."""
    return [
        {"group": group, "id": key, "code": code, "value": value}
        for group in GROUPS
        for key, codes in result.groups[group].items()
        for code, value in codes.items()
    ]
