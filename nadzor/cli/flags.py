"""``nadzor flags``: Cardinal's red flags on the ingested data, as findings with evidence."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

__all__ = ["register"]


class Format(str, Enum):
    jsonl = "jsonl"
    table = "table"


def register(app: typer.Typer) -> None:
    @app.command("flags")
    def flags(
        ctx: typer.Context,
        fmt: Format = typer.Option(Format.jsonl, "--format", "-f", help="jsonl (one finding per line) or table."),
        code: list[str] = typer.Option(None, "--code", help="Only these indicators (repeat: --code R018 --code R024)."),
        settings: Path = typer.Option(None, "--settings", "-s", help="Cardinal settings file (INI)."),
        recompute: bool = typer.Option(False, "--recompute", help="Compute again even if findings are stored."),
    ):
        """Print red-flag findings (computed first if none are stored). Flags are risk indicators, not proof."""
        from nadzor.cli.output import print_jsonl, print_table
        from nadzor.indicators.cardinal.settings import load_settings
        from nadzor.indicators.flags import read_findings

        conf = load_settings(settings) if settings else None
        with ctx.obj.store() as store:
            rows = read_findings(store, [c.upper() for c in code] if code else None,
                                 compute="always" if recompute else "if-needed", settings=conf)
        if fmt is Format.jsonl:
            print_jsonl(rows)
        else:
            print_table(rows, ["code", "subject_type", "subject_id", "ocid", "value", "explanation"],
                        title=f"{len(rows)} red flags (risk indicators, not proof)")
