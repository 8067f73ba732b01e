"""Read CSV and XLSX files into rows of cells, whatever the export did to them: Windows-1250/1251 text,
``;`` / tab / ``|`` delimiters, title rows above the header, and header rows merged over two or three lines.

Row numbers are the file's own (first line or sheet row is 1), so a locator ``R12`` points at what a
spreadsheet program shows as row 12.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from nadzor.exceptions import InputError
from nadzor.ingest.values import decode_bytes
from nadzor.text import fold

__all__ = ["RawTable", "Header", "read_table", "find_header"]


@dataclass
class RawTable:
    """Rows of one sheet or CSV file: ``rows[i]`` is file row ``i + 1``."""

    rows: list[list]
    format: str                      # csv | xlsx | json
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Header:
    """Where the header is and what the columns are called (merged rows joined with `` / ``)."""

    names: list[str]
    first_row: int                   # 1-based file row of the first header line
    depth: int                       # number of header lines

    @property
    def data_start(self) -> int:
        """The 0-based index into ``RawTable.rows`` of the first data row."""
        return self.first_row - 1 + self.depth


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:30])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_table(path: Path | str, *, encoding: str | None = None, delimiter: str | None = None,
               sheet: str | None = None, data: bytes | None = None) -> RawTable:
    """Read a ``.csv``/``.tsv``/``.txt``, ``.xlsx`` or ``.json`` (list of flat objects) file; detect encoding
    and delimiter unless given.

    Raises ``InputError`` if the file cannot be read as a table. Warnings (encoding guessed) are returned on
    the table, with locator ``file``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc}") from exc
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        return _read_xlsx(path, data, sheet)
    if suffix == ".json":
        return _read_json(path, data)
    if suffix == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(f"{path}: old Excel .xls files are not supported; save it as .xlsx or CSV")
    text, used, warning = decode_bytes(data, encoding)
    table = RawTable(rows=[], format="csv", encoding=used)
    if warning:
        table.warnings.append(("file", warning))
    if delimiter in (None, "auto"):
        delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(text)
    elif delimiter in ("tab", "\\t"):
        delimiter = "\t"
    table.delimiter = delimiter
    table.rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return table


def _read_json(path: Path, data: bytes) -> RawTable:
    """A JSON grid export: a list of flat objects (or an object holding one such list, e.g. ``data``).
    Row 1 is the union of the keys in first-seen order; row n + 1 is object n."""
    import orjson

    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from exc
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        doc = lists[0] if len(lists) == 1 else None
    if not isinstance(doc, list) or not all(isinstance(o, dict) for o in doc):
        raise InputError(f"{path}: a JSON table must be a list of objects (one per row)")
    keys: dict[str, None] = {}
    for obj in doc:
        keys.update(dict.fromkeys(obj))
    header = list(keys)

    def cell(v):
        return orjson.dumps(v).decode() if isinstance(v, (dict, list)) else v

    rows = [header] + [[cell(obj.get(k)) for k in header] for obj in doc]
    return RawTable(rows=rows, format="json", encoding="utf-8")


def _read_xlsx(path: Path, data: bytes, sheet: str | None) -> RawTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:   # openpyxl raises many kinds for a broken zip or workbook
        raise InputError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    if sheet is not None and sheet not in wb.sheetnames:
        raise InputError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}")
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    # A merged cell keeps its value in the top-left cell only; copy it across the merge so that merged
    # header groups name every column under them.
    for rng in ws.merged_cells.ranges:
        value = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
                    rows[r - 1][c - 1] = value
    table = RawTable(rows=rows, format="xlsx", sheet=ws.title)
    if len(wb.sheetnames) > 1 and sheet is None:
        table.warnings.append(("file", f"the workbook has {len(wb.sheetnames)} sheets; read only the first, "
                                       f"{ws.title!r} (choose another with --sheet)"))
    return table


def _cell_text(value) -> str:
    return "" if value is None else " ".join(str(value).split())


def _header_names(rows: list[list], start: int, depth: int) -> list[str]:
    width = max((len(r) for r in rows[start:start + depth]), default=0)
    lines = []
    for k in range(depth):
        row = rows[start + k] if start + k < len(rows) else []
        cells = [_cell_text(row[j]) if j < len(row) else "" for j in range(width)]
        if k < depth - 1:   # group rows: a merged group cell exported as blanks after its first column
            last = ""
            for j, c in enumerate(cells):
                if c:
                    last = c
                else:
                    cells[j] = last
        lines.append(cells)
    names = []
    for j in range(width):
        parts = []
        for line in lines:
            if line[j] and (not parts or parts[-1] != line[j]):
                parts.append(line[j])
        names.append(" / ".join(parts))
    return names


def find_header(table: RawTable, expected: list[list[str]], *, first_row: int | None = None,
                depth: int | None = None, search_rows: int = 10) -> Header:
    """Find the header: the start row (skipping title rows) and depth (merged rows) whose column names match
    the most ``expected`` names (each a list of accepted spellings, compared folded).

    ``first_row``/``depth`` fix either one. Raises ``InputError`` if the table is empty.
    """
    rows = table.rows
    if not rows:
        raise InputError("the table is empty")
    wanted = [{fold(n) for n in names} for names in expected]
    starts = [first_row - 1] if first_row else range(min(search_rows, len(rows)))
    depths = [depth] if depth else (1, 2, 3)
    best = None
    for s in starts:
        for d in depths:
            if s + d > len(rows):
                continue
            names = _header_names(rows, s, d)
            folded = {fold(n) for n in names if n}
            score = sum(1 for w in wanted if w & folded)
            key = (score, -d, -s)
            if best is None or key > best[0]:
                best = (key, Header(names=names, first_row=s + 1, depth=d))
    if best is None:
        raise InputError("the table has fewer rows than its header")
    return best[1]
