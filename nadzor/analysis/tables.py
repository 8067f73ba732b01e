"""Write analysis rows into store tables quickly (through Arrow, not row by row)."""

from __future__ import annotations

import pyarrow as pa

__all__ = ["insert_rows"]


def insert_rows(store, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Append ``rows`` (tuples in ``columns`` order) to ``table``; the caller manages the transaction."""
    if not rows:
        return
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    arrow = pa.table(data)
    name = f"_nadzor_insert_{table}"
    store.con.register(name, arrow)
    try:
        cols = ", ".join(columns)
        store.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name}")
    finally:
        store.con.unregister(name)
