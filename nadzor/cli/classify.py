"""``nadzor classify text`` and ``nadzor classify store``: detect surveillance technology."""

from __future__ import annotations

import sys

import typer

__all__ = ["register"]

classify_app = typer.Typer(
    help="Detect surveillance-technology purchases (capabilities, vendors, and the words that show it).",
    no_args_is_help=True,
)


@classify_app.command("text")
def text_command(
    texts: list[str] = typer.Argument(None, help="Texts to classify; '-' reads one text per line from stdin."),
):
    """Classify texts; print one JSON object per text, in order.

    Each object: {"text", "is_surveillance", "capabilities", "vendors", "matches": [{"rule", "capability",
    "span": [start, end], "matched"}]}; spans index the text as given (Cyrillic stays Cyrillic).
    """
    from nadzor.classify import classify_texts
    from nadzor.cli.output import print_jsonl

    if not texts:
        raise typer.BadParameter("give at least one text, or '-' to read lines from stdin")

    def source():
        for t in texts:
            if t == "-":
                for line in sys.stdin:
                    yield line.rstrip("\r\n")
            else:
                yield t

    print_jsonl(classify_texts(source()))


@classify_app.command("store")
def store_command(
    ctx: typer.Context,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
):
    """Classify every process in the store (the same step `nadzor analyze` runs) and print a summary."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from nadzor.classify import classify_store
    from nadzor.cli import err_console
    from nadzor.cli.output import print_json

    store = ctx.obj.store()
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err_console.real, disable=quiet, transient=True) as bar:
            task = bar.add_task("processes classified", total=None)
            summary = classify_store(store, progress=lambda done, total: bar.update(task, completed=done,
                                                                                     total=total))
        print_json(summary)
    finally:
        store.close()


@classify_app.command("capabilities")
def capabilities_command(
    format: str = typer.Option("table", "--format", "-f", help="jsonl or table."),
):
    """List the capabilities the classifier tags, with risk tier, number of terms and CPV codes."""
    from nadzor.classify import list_capabilities
    from nadzor.cli.output import print_jsonl, print_table
    from nadzor.exceptions import InputError

    rows = list_capabilities()
    if format == "jsonl":
        print_jsonl(rows)
    elif format == "table":
        print_table([r | {"cpv": " ".join(r["cpv"])} for r in rows],
                    ["id", "risk_tier", "terms", "cpv", "description"], title="Surveillance capabilities")
    else:
        raise InputError(f"unknown format {format!r}: use jsonl or table")


def register(app: typer.Typer) -> None:
    app.add_typer(classify_app, name="classify")
