"""``nadzor suppliers``: every supplier as one entity (all its spellings merged), with its buyers and values."""

from __future__ import annotations

import typer

from nadzor.cli.output import print_csv, print_jsonl, print_table

__all__ = ["register", "register_directory", "render"]


def register(app: typer.Typer) -> None:
    register_directory(app, "suppliers", "Only suppliers of surveillance purchases.",
                       lister="list_suppliers", columns="SUPPLIER_COLUMNS", title="Suppliers")


def register_directory(app: typer.Typer, name: str, surveillance_help: str, *, lister: str, columns: str,
                       title: str) -> None:
    """Register a directory command (``buyers``, ``suppliers``): ``lister`` and ``columns`` name the function
    and column list in ``nadzor.entities.directory``."""

    def command(
        ctx: typer.Context,
        format: str = typer.Option("table", "--format", "-f", help="table, jsonl or csv."),
        surveillance: bool = typer.Option(False, "--surveillance", help=surveillance_help),
        limit: int = typer.Option(0, "--limit", help="At most this many rows (0: all)."),
    ):
        from nadzor.entities import directory

        with ctx.obj.store(read_only=True) as store:
            rows = getattr(directory, lister)(store, surveillance_only=surveillance, limit=limit or None)
        render(rows, getattr(directory, columns), format, title)

    command.__doc__ = f"List {name} (entities), most surveillance processes first. Run `nadzor analyze` first."
    app.command(name)(command)


def render(rows, columns, format: str, title: str) -> None:
    """Print rows in the chosen format."""
    if format == "jsonl":
        print_jsonl(rows)
    elif format == "csv":
        print_csv(rows, columns)
    elif format == "table":
        print_table(rows, [c for c in columns if c not in ("names", "identifiers")], title=title)
    else:
        raise typer.BadParameter(f"unknown format {format!r}: use table, jsonl or csv", param_hint="--format")
