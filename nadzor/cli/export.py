"""`nadzor export`: write the store for other tools (CSV, JSON, GeoJSON, OCDS, FollowTheMoney, SQLite, site)."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def export(
        ctx: typer.Context,
        format: str = typer.Option(..., "--format", "-f",
                                   help="csv | json | geojson | ocds | ftm | sqlite | site (or a plugin's format)."),
        output: Path = typer.Option(..., "--output", "-o", help="File (or folder for csv and site) to write."),
        all_processes: bool = typer.Option(False, "--all", help="Export every process, not only surveillance ones."),
    ):
        """Export the store: the surveillance purchases (or --all processes) in one format."""
        from nadzor.cli.output import print_json
        from nadzor.publish.exporters import export as run

        with ctx.obj.store(read_only=True) as store:
            summary = run(store, format, output, scope="all" if all_processes else "surveillance")
        print_json(summary)
