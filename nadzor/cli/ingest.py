"""`nadzor ingest PATH...`: archive OCDS files and load them into the store."""

from __future__ import annotations

from pathlib import Path

import typer

from nadzor.cli import err_console
from nadzor.cli.output import print_json

__all__ = ["register"]


def ingest(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="OCDS files or folders (recursive); '-' reads stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
):
    """Ingest OCDS release/record packages, releases, compiled or versioned releases, JSON lines, arrays, .gz."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from nadzor.ingest.ocds import ingest_paths
    from nadzor.normalize import stage

    if stage.enabled():
        stage.tune_heap()  # before the store's threads allocate: less memory kept by malloc (see tune_heap)
    store = ctx.obj.store()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console.real, disable=quiet or as_json, transient=True) as bar:
        task = bar.add_task("ingest", total=None)

        def on_file(path):
            bar.update(task, description=f"reading {Path(path).name if path != '-' else 'stdin'}", completed=0,
                       total=None)

        def progress(stage, done, total):
            label = "releases read" if stage == "read" else "processes built"
            bar.update(task, description=label, completed=done, total=total)

        report = ingest_paths(store, paths, progress=progress, on_file=on_file)
    summary = {
        "sources": report.sources, "sources_skipped": report.sources_skipped, "releases": report.releases,
        "duplicates": report.duplicates, "processes_updated": report.processes_updated,
        "quarantined": report.quarantined, "warnings": report.warnings,
    }
    if as_json:
        print_json(summary)
    else:
        err_console.print(
            f"ingested {report.sources} file(s) ({report.sources_skipped} already in the store): "
            f"{report.releases} new release(s), {report.duplicates} duplicate(s), "
            f"{report.processes_updated} process(es) built, {report.quarantined} item(s) quarantined, "
            f"{report.warnings} warning(s)", highlight=False)
        for msg in report.messages[:20]:
            err_console.print(f"  note: {msg}", highlight=False)
        if report.quarantined:
            err_console.print("  see why with: nadzor quarantine", highlight=False)
    store.close()


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
