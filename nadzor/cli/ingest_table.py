"""``nadzor ingest-table`` and ``nadzor ingest-ted``: non-OCDS sources through their adapters."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def _render(report) -> None:
    from nadzor.cli import err_console

    err_console.print(
        f"{report.sources} file(s) ingested, {report.sources_skipped} already done; "
        f"{report.releases} release(s), {report.duplicates} duplicate(s), "
        f"{report.processes_updated} process(es) built, {report.quarantined} quarantined row(s), "
        f"{report.warnings} warning(s).", highlight=False, soft_wrap=True)
    if report.quarantined:
        err_console.print("  see why with: nadzor quarantine", highlight=False)
    if report.warnings:
        err_console.print("  warnings (guessed encodings, unmapped columns) are listed by --dry-run",
                          highlight=False)


def _run(ctx: typer.Context, paths: list[Path], adapter: str, sheet: str | None, dry_run: bool) -> None:
    from nadzor.cli import err_console
    from nadzor.cli.output import print_jsonl
    from nadzor.ingest.sources import convert_with_adapter, ingest_with_adapter

    if dry_run:
        conv = convert_with_adapter(paths, adapter, sheet=sheet)
        print_jsonl({"locator": loc, "release": r} for loc, r in conv.releases)
        for loc, msg in conv.warnings:
            err_console.print(f"warning {loc}: {msg}", highlight=False, markup=False, soft_wrap=True)
        for loc, why, _ in conv.quarantined:
            err_console.print(f"quarantined {loc}: {why}", highlight=False, markup=False, soft_wrap=True)
        err_console.print(f"{len(conv.releases)} release(s), {len(conv.quarantined)} quarantined, "
                          f"{len(conv.warnings)} warning(s); nothing stored (--dry-run)", highlight=False)
        return
    from rich.progress import Progress

    from nadzor.adapters import get_adapter
    from nadzor.ingest.sources import expand_paths

    files = expand_paths(paths, get_adapter(adapter).metadata.kind)
    with Progress(console=err_console.real, transient=True) as bar:
        task = bar.add_task("ingesting", total=len(files))
        report = ingest_with_adapter(ctx.obj.store(), files, adapter, sheet=sheet,
                                     progress=lambda p: bar.advance(task))
    _render(report)


def register(app: typer.Typer) -> None:
    @app.command("ingest-table")
    def ingest_table(
        ctx: typer.Context,
        paths: list[Path] = typer.Argument(..., help="CSV/XLSX files or folders."),
        mapping: str = typer.Option(..., "--mapping", "-m",
                                    help="A built-in mapping (see `nadzor adapters`) or a mapping YAML file."),
        sheet: str = typer.Option(None, "--sheet", help="XLSX sheet name (default: the first sheet)."),
        dry_run: bool = typer.Option(False, "--dry-run",
                                     help="Print the releases as JSON lines and the problems; store nothing."),
    ):
        """Ingest spreadsheets (CSV/XLSX) through a column mapping: a national export or your own table."""
        _run(ctx, paths, mapping, sheet, dry_run)

    @app.command("ingest-ted")
    def ingest_ted(
        ctx: typer.Context,
        paths: list[Path] = typer.Argument(..., help="TED-XML R2.0.9 or eForms notice files, or folders."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the releases; store nothing."),
    ):
        """Ingest TED notices (TED-XML R2.0.9 or eForms UBL), lots and per-lot tender counts included."""
        _run(ctx, paths, "ted", None, dry_run)
