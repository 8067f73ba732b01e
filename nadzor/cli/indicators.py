"""``nadzor indicators``: Cardinal's red-flag indicators on a JSON-lines file of compiled releases."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

__all__ = ["register"]


class Format(str, Enum):
    cardinal = "cardinal"
    jsonl = "jsonl"
    csv = "csv"


class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


STAT_COLUMNS = ["code", "group", "population", "min", "q1", "median", "q3", "max", "lower_fence",
                "upper_fence", "upper_fence_bids", "flagged"]


def register(app: typer.Typer) -> None:
    @app.command("indicators")
    def indicators(
        file: Path = typer.Argument(..., help="JSON lines: one OCDS compiled release per line."),
        settings: Path = typer.Option(None, "--settings", "-s", help="Cardinal settings file (INI). "
                                      "Without it, all 11 indicators run with their defaults."),
        no_meta: bool = typer.Option(False, "--no-meta", help="Omit the Meta key (quartiles and fences)."),
        map_: bool = typer.Option(False, "--map", help="Add the Maps key (which organisations each flag concerns)."),
        fmt: Format = typer.Option(Format.cardinal, "--format", "-f", help="cardinal: one JSON object, as "
                                   "Cardinal prints; jsonl/csv: one row per result."),
        engine: Engine = typer.Option(Engine.duckdb, "--engine", help="duckdb (default) or spark (local mode)."),
        statistics: bool = typer.Option(False, "--statistics", help="Print each indicator's distribution, "
                                        "quartiles and fences instead of the results, to help choose thresholds."),
    ):
        """Compute Cardinal's red-flag indicators (R003 ... R058). Flags are risk indicators, not proof."""
        from nadzor.cli import request_fast_exit
        from nadzor.cli.output import print_csv, print_jsonl
        from nadzor.indicators.cardinal import compute_indicators, load_settings, to_cardinal, to_rows

        if engine is Engine.duckdb:  # an in-memory database only: nothing to close properly
            request_fast_exit()

        conf = load_settings(settings) if settings else None
        result = compute_indicators(file, conf, engine=engine.value, map=map_)
        if statistics:
            rows = _statistics_rows(result.statistics)
            if fmt is Format.csv:
                print_csv(rows, STAT_COLUMNS)
            elif fmt is Format.jsonl:
                print_jsonl(rows)
            else:
                from nadzor.cli.output import print_table

                print_table(rows, STAT_COLUMNS, title="Indicator statistics (type-8 quartiles)")
            return
        if fmt is Format.cardinal:
            import sys

            import orjson

            sys.stdout.write(orjson.dumps(to_cardinal(result, meta=not no_meta)).decode() + "\n")
        elif fmt is Format.jsonl:
            print_jsonl(to_rows(result))
        else:
            print_csv(to_rows(result), ["group", "id", "code", "value"])


def _statistics_rows(statistics: dict) -> list[dict]:
    from nadzor.indicators.cardinal.stats import round4

    def clean(values: dict) -> dict:
        return {k: (round4(v) if isinstance(v, float) else v) for k, v in values.items()}

    rows = []
    for code, stats in statistics.items():
        if stats and all(isinstance(v, dict) for v in stats.values()):
            for group, values in stats.items():
                rows.append({"code": code, "group": group, **clean(values)})
        else:
            rows.append({"code": code, **clean(stats)})
    return rows
