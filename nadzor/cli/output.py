"""Rendering helpers shared by commands: JSON, JSON lines, CSV and Rich tables on stdout."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping, Sequence

import orjson

from nadzor._lazy import LazyConsole

__all__ = ["print_json", "print_jsonl", "print_csv", "print_table", "console"]

console = LazyConsole()


def _default(obj):
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def print_json(value) -> None:
    """Print one JSON value, indented."""
    sys.stdout.write(orjson.dumps(value, default=_default, option=orjson.OPT_INDENT_2).decode() + "\n")


def print_jsonl(rows: Iterable) -> None:
    """Print one JSON object per line."""
    write = sys.stdout.write
    for row in rows:
        write(orjson.dumps(row, default=_default).decode() + "\n")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return orjson.dumps(value, default=_default).decode()
    return str(value)


def print_csv(rows: Iterable[Mapping], columns: Sequence[str]) -> None:
    """Print rows as CSV with a header (nested values as JSON)."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])


def print_table(rows: Iterable[Mapping], columns: Sequence[str], title: str | None = None) -> None:
    """Print rows as a Rich table for people."""
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    console.print(table)
