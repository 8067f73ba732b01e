"""`nadzor stats`, `nadzor sources`, `nadzor quarantine`: what is in the store and where it came from."""

from __future__ import annotations

import typer

from nadzor.cli.output import print_json, print_table

__all__ = ["register"]


def stats(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")):
    """Count processes, releases, sources, quarantined items and the rows of every table."""
    from nadzor.evidence.provenance import store_stats

    with ctx.obj.store(read_only=True) as store:
        result = store_stats(store)
    if as_json:
        print_json(result)
    else:
        print_table([{"what": k, "count": v} for k, v in result.items() if k != "tables"]
                    + [{"what": f"table {k}", "count": v} for k, v in result["tables"].items()],
                    ["what", "count"], title="nadzor store")


def sources(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")):
    """List archived source files with sha256, original path, size, media type, time, publisher and licence."""
    from nadzor.evidence.provenance import list_sources

    with ctx.obj.store(read_only=True) as store:
        rows = list_sources(store)
    if as_json:
        print_json(rows)
    else:
        print_table(rows, ["sha256", "original_path", "size", "format", "publisher", "licence", "ingested_at"],
                    title="archived sources")


def quarantine(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON."),
               raw: bool = typer.Option(False, "--raw", help="Include the raw text kept for each item.")):
    """List everything that could not be used: the file, where in it, and why."""
    from nadzor.evidence.provenance import list_quarantine

    with ctx.obj.store(read_only=True) as store:
        rows = list_quarantine(store, raw=raw or as_json)
    if as_json:
        print_json(rows)
    else:
        print_table(rows, ["source", "locator", "reason"] + (["raw"] if raw else []), title="quarantine")


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("sources")(sources)
    app.command("quarantine")(quarantine)
