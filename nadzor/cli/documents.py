"""``nadzor documents``: archive documents, link them to processes, search their text."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]

documents_app = typer.Typer(help="Documents as evidence: archive PDF/DOCX/XLSX, link to processes, search.",
                            no_args_is_help=True)


@documents_app.command("add")
def add(ctx: typer.Context, paths: list[Path] = typer.Argument(..., help="PDF, DOCX, XLSX or text files."),
        ocid: str = typer.Option(None, "--ocid", help="The procurement process the documents belong to."),
        note: str = typer.Option(None, "--note")):
    """Archive documents by sha256, extract their text and link them to a process."""
    from nadzor.cli.output import print_jsonl
    from nadzor.evidence.documents import add_documents

    print_jsonl(add_documents(ctx.obj.store(), paths, ocid=ocid, note=note))


@documents_app.command("list")
def list_(ctx: typer.Context, ocid: str = typer.Option(None, "--ocid"),
          fmt: str = typer.Option("table", "--format", help="table or json.")):
    """List archived documents."""
    from nadzor.cli.output import print_json, print_table
    from nadzor.evidence.documents import list_documents

    rows = list_documents(ctx.obj.store(read_only=True), ocid=ocid)
    if fmt == "json":
        print_json(rows)
    else:
        print_table(rows, ["sha256", "filename", "pages", "extracted_with", "ocids", "foi_ids"], title="documents")


@documents_app.command("search")
def search(ctx: typer.Context, query: str = typer.Argument(..., help="Words that must all occur (any script)."),
           limit: int = typer.Option(20, "--limit"),
           fmt: str = typer.Option("table", "--format", help="table or json.")):
    """Search the text of archived documents (Latin and Cyrillic alike)."""
    from nadzor.cli.output import print_json, print_table
    from nadzor.evidence.documents import search_documents

    rows = search_documents(ctx.obj.store(read_only=True), query, limit=limit)
    if fmt == "json":
        print_json(rows)
    else:
        print_table(rows, ["filename", "ocids", "snippet", "sha256"], title=f"documents matching {query!r}")


def register(app: typer.Typer) -> None:
    app.add_typer(documents_app, name="documents")
