"""``nadzor coverage``: how often each field is filled, and which indicators the data can support."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("coverage")
    def coverage(
        file: Path = typer.Argument(..., help="JSON lines (any JSON per line)."),
        human: bool = typer.Option(False, "--human", help="A readable summary: indicators the data supports, "
                                   "then the field counts."),
    ):
        """Count non-empty fields (Cardinal's coverage); --human also says which indicators can run."""
        import sys

        import orjson

        from nadzor.cli.output import print_table
        from nadzor.indicators.cardinal.coverage import coverage_file, indicator_support

        counts = coverage_file(file)
        if not human:
            sys.stdout.write(orjson.dumps(counts).decode() + "\n")
            return
        support = indicator_support(counts)
        rows = [
            {
                "indicator": s["code"],
                "can run": "yes" if s["supported"] else "no",
                "missing fields": ", ".join(s["missing"]),
                "fewest releases with a needed field": s["least_covered_count"],
            }
            for s in support
        ]
        print_table(rows, list(rows[0]), title=f"Indicators this data supports ({counts.get('', 0)} releases)")
        field_rows = [{"path": k, "count": v} for k, v in sorted(counts.items())]
        print_table(field_rows, ["path", "count"], title="Field coverage")
