"""Ingest OCDS files: release and record packages, single releases, compiled and versioned releases, JSON arrays
and JSON lines of any of these, gzip-compressed or not, from files, folders or stdin.

How it works, and why:
1. The file is archived by sha256 first (nadzor.store); everything after reads the archived copy, so every row's
   locator points into bytes we keep. A file of ``ARCHIVE_IN_BACKGROUND`` bytes or more is hashed, then copied by
   a thread while it is read from the original; it is marked complete only once the copy is in place and the
   original has not changed since it was hashed. A file already ingested completely is skipped: re-running is safe.
2. The file is split into units of JSON text with a locator: the lines (``L12``) of a JSON-lines file, split and
   checked for UTF-8 a chunk at a time (in C, or in Arrow without the extension), or the items (``/releases/3``)
   streamed from a JSON document with ijson, so memory does not grow with the file.
3. Units are staged in batches. The lines of an uncompressed JSON-lines file go to the native stager first
   (nadzor.normalize.stage, in C): one parse gives a line's release key and, for a compiled release, its rows in
   every model table; its writer thread appends those rows while the next batch is staged. Every other unit, and
   every line the stager declines (any shape it does not take exactly as the SQL path would, any value to
   quarantine), is classified in SQL with one small parse each (valid JSON? an object? ocid? compiled?). Plain
   releases and compiled releases never go back through Python; the rare rest (packages inside lines, OCDS 1.0 to
   upgrade with ocdskit, versioned releases, invalid JSON to explain) is handled in Python.
4. New releases are stored: a line of an uncompressed JSON-lines file by reference (byte offset and length in
   the archived file, read back through ``Store.release_texts``), anything the ingest re-serialised or upgraded
   with its text. A process that is one new compiled release is flattened at once from
   the staged text (nadzor.normalize.flatten, in SQL); every other process they touch is listed as pending and
   rebuilt afterwards: ocdsmerge compiles individual releases, then the same flattening.
5. A file is staged batch by batch (one transaction each, so memory stays bounded) and marked complete with
   its last batch; what a kill leaves of an unfinished file is removed when the store is next opened, so the
   store holds complete files only, and running again completes it.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import sys
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from nadzor.exceptions import InputError
from nadzor.ingest.api import IngestReport, SourceInfo, now
from nadzor.normalize import compile as compiling
from nadzor.normalize import stage
from nadzor.normalize.flatten import STRUCTURE, flatten_structs
from nadzor.store import MODEL_TABLES

__all__ = ["ingest_paths", "ingest_file", "begin_source", "finish_source", "quarantine", "warn",
           "ingest_release_docs", "rebuild_processes", "iter_input_files"]

# Units staged per transaction. 10,000 (was 20,000): the writer can then be handed a whole batch's rows while the
# next batch is staged, within the 1 GiB at 1M releases (benchmarks/RESULTS.md).
BATCH = 10_000
REBUILD_CHUNK = 25_000
RAW_LIMIT = 1 << 20  # raw text kept in quarantine is capped at 1 MiB per item (the whole file stays archived)
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".gz")


# -- sources, quarantine, warnings -----------------------------------------------------------------------------

def begin_source(store, path, *, adapter: str, data: bytes | None = None, background: bool = False,
                 **info) -> SourceInfo:
    """Archive a file (or stdin bytes) and register it; see nadzor.ingest.api.begin_source. With ``background``
    the archive copy is made while the file is read (``Store.archive_file``): the caller finishes it."""
    if data is not None:
        digest, archived, size = store.archive_bytes(data)
        original = str(path) if path else "-"
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(f"{p}: no such file")
        if not p.is_file():
            raise InputError(f"{p}: not a file")
        try:
            digest, archived, size = store.archive_file(p, background=background)
        except OSError as exc:
            raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from exc
        original = str(p)
    status = store.scalar("SELECT status FROM sources WHERE source_id = ?", [digest])
    src = SourceInfo(source_id=digest, original_path=original, archived_path=archived, size=size,
                     adapter=adapter, already_complete=(status == "complete"), **info)
    if not src.already_complete:
        store.con.execute("DELETE FROM sources WHERE source_id = ?", [digest])
        store.con.execute(
            "INSERT INTO sources (source_id, original_path, archived_path, size, adapter, ingested_at, status) "
            "VALUES (?, ?, ?, ?, ?, ?, 'loading')",
            [digest, original, str(archived.relative_to(store.archive_dir)), size, adapter, now()],
        )
    return src


def finish_source(store, source: SourceInfo, report: IngestReport) -> None:
    """Record the source's metadata and counts and mark it complete."""
    store.con.execute(
        """UPDATE sources SET media_type = ?, encoding = ?, format = ?, publisher = ?, licence = ?,
               published_date = ?, ocds_version = ?, origin_url = ?, retrieved_at = ?, status = 'complete',
               n_releases = ?, n_quarantined = ?, n_warnings = ?
           WHERE source_id = ?""",
        [source.media_type, source.encoding, source.format, source.publisher, source.licence,
         source.published_date, source.ocds_version, source.origin_url, source.retrieved_at,
         report.releases, report.quarantined, report.warnings, source.source_id],
    )


def _raw_text(raw) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if len(raw) > RAW_LIMIT:
        return raw[:RAW_LIMIT] + f"\n[... {len(raw) - RAW_LIMIT} more characters: see the archived file]"
    return raw


def quarantine(store, source: SourceInfo | None, locator: str, reason: str, raw, *, ocid: str | None = None,
               kind: str = "item") -> None:
    """Keep something that could not be used, with the reason and its raw text."""
    store.con.execute(
        "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [source.source_id if source else None, source.original_path if source else None, locator, reason,
         _raw_text(raw), now(), ocid, kind],
    )


def warn(store, source: SourceInfo | None, locator: str, message: str) -> None:
    """Record a warning about something that was used after a fix."""
    store.con.execute(
        "INSERT INTO warnings VALUES (?, ?, ?, ?, ?)",
        [source.source_id if source else None, source.original_path if source else None, locator, message, now()],
    )


# -- reading units ---------------------------------------------------------------------------------------------

@dataclass
class Unit:
    """A piece of JSON text to classify: a line, or an item streamed from a document."""

    locator: str
    text: str
    version_hint: str | None = None  # '1.0' / '1.1' from the enclosing package; None when unknown
    source: SourceInfo | None = None


class _Transcoder(io.RawIOBase):
    """A byte stream re-encoded to UTF-8 from another encoding, for ijson (which needs UTF-8)."""

    def __init__(self, raw, encoding: str):
        self._reader = codecs.getreader(encoding)(raw, errors="replace")
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while len(self._buf) < len(b):
            chunk = self._reader.read(65536)
            if not chunk:
                break
            self._buf += chunk.encode("utf-8")
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def _open_binary(path: Path):
    f = open(path, "rb")
    if f.read(2) == b"\x1f\x8b":
        f.close()
        return gzip.open(path, "rb"), True
    f.seek(0)
    return f, False


def _detect_encoding(path: Path) -> tuple[str, bool]:
    """Return (encoding, confident). UTF-8 is checked over the whole file; others are guessed."""
    f, _ = _open_binary(path)
    decoder = codecs.getincrementaldecoder("utf-8")()
    sample = b""
    try:
        with f:
            while chunk := f.read(1 << 20):
                if len(sample) < (1 << 20):
                    sample += chunk[: (1 << 20) - len(sample)]
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return ("utf-8-sig" if sample.startswith(codecs.BOM_UTF8) else "utf-8"), True
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few broken lines stays UTF-8 (the broken lines are quarantined): look for valid
    # multi-byte UTF-8 sequences in the sample.
    import re

    for seq in re.findall(rb"[\xc2-\xf4][\x80-\xbf]{1,3}", sample)[:50]:
        try:
            seq.decode("utf-8")
            return "utf-8", True
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return "latin-1", False
    return best.encoding, True


def _looks_like_json_lines(path: Path, original_name: str) -> bool:
    name = original_name.lower()
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
        return True
    f, _ = _open_binary(path)
    with f:
        first = f.readline(16 << 20)
        if not first.strip():
            # leading blank lines: look at the next non-blank line
            while first and not first.strip():
                first = f.readline(16 << 20)
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            return False
        rest = f.read(4096)
        return bool(rest.strip())


LINE_CHUNK = 16 << 20  # bytes of a JSON-lines file split into lines at a time, in Arrow
_BLANK = " \t\r\x0b\x0c"  # what bytes.strip() removes besides the newline: a line of only these is skipped


def _iter_line_tables(path: Path, source: SourceInfo, report: IngestReport, store) -> Iterator[pa.Table]:
    """Yield the non-blank lines of a JSON-lines file as Arrow tables (source_id, locator ``L<n>``, text, hint,
    byte offset and length of the text in the file).

    Lines are split and checked for UTF-8 in Arrow, a chunk at a time. Only a chunk with a line that is not UTF-8
    goes through Python line by line: such a line is quarantined, or decoded in the file's other encoding (found
    then, over the whole file) with a warning. Offsets are given for the lines of an uncompressed file read in
    Arrow, whose text is the file's bytes: releases from them are stored by reference (``releases.data_offset``).
    """
    f, gzipped = _open_binary(path)
    first_line = 1
    rest = b""
    start = 0  # byte offset in the file of the first byte of ``rest``
    with f:
        while True:
            chunk = f.read(LINE_CHUNK)
            if first_line == 1 and not rest and chunk.startswith(codecs.BOM_UTF8):
                # The byte order mark is not part of the first line (it was quarantined as malformed JSON).
                source.encoding = "utf-8-sig"
                chunk = chunk[len(codecs.BOM_UTF8):]
                start = len(codecs.BOM_UTF8)
            data_start = start
            if chunk:
                data = rest + chunk
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                rest, data = data[cut + 1:], data[:cut]
                start = data_start + cut + 1
            else:
                data, rest = rest, b""
                if not data:
                    break
            table, count = _chunk_table(data, first_line, source, report, store, None if gzipped else data_start)
            first_line += count
            if table is not None and table.num_rows:
                yield table
            if not chunk:
                break


def _chunk_table(data: bytes, first_line: int, source: SourceInfo, report: IngestReport, store,
                 data_start: int | None) -> tuple[pa.Table | None, int]:
    """The units table of a chunk of whole lines, and how many lines (blank ones too) the chunk holds."""
    split = stage.split_lines(data, first_line)
    if split is None:  # not UTF-8 (or no extension): in Arrow, and line by line if need be
        lines = pc.split_pattern(pa.array([data], pa.large_binary()), b"\n").flatten()
        return _lines_table(lines, first_line, source, report, store, data_start), len(lines)
    count, n, text_offsets, text, locator_offsets, locator, starts = split
    offsets = None if data_start is None else pc.add(
        pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(starts)]), data_start)
    return _line_units(source, pa.StringArray.from_buffers(n, pa.py_buffer(locator_offsets), pa.py_buffer(locator)),
                       pa.LargeStringArray.from_buffers(n, pa.py_buffer(text_offsets), pa.py_buffer(text)),
                       offsets), count


def _lines_table(lines: pa.Array, first_line: int, source: SourceInfo, report: IngestReport, store,
                 data_start: int | None):
    numbers = pa.array(range(first_line, first_line + len(lines)), pa.int64())
    try:
        text = lines.cast(pa.large_string())
    except pa.ArrowInvalid:
        return _lines_table_python(lines, first_line, source, report, store)
    keep = pc.greater(pc.binary_length(pc.utf8_trim(text, _BLANK)), 0)
    if data_start is None:
        offsets = pa.nulls(len(lines), pa.int64())
    else:  # each line starts one byte (its newline) after the end of the previous one
        sizes = pc.add(pc.binary_length(lines).cast(pa.int64()), 1)
        offsets = pc.add(pc.subtract(pc.cumulative_sum(sizes), sizes), data_start)
    text = pc.utf8_rtrim(text.filter(keep), "\r")
    locators = pa.array([f"L{i}" for i in numbers.filter(keep).to_pylist()], pa.string())
    return _line_units(source, locators, text, None if data_start is None else offsets.filter(keep))


def _line_units(source: SourceInfo, locators: pa.Array, text: pa.Array, offsets: pa.Array | None) -> pa.Table:
    """The units table of lines: their locators, text and (read by reference) byte offsets in the file."""
    n = len(text)
    return pa.table([
        pa.array([source.source_id] * n, pa.string()) if n else pa.array([], pa.string()),
        locators,
        text,
        pa.nulls(n, pa.string()),
        pa.nulls(n, pa.int64()) if offsets is None else offsets,
        pa.nulls(n, pa.int64()) if offsets is None else pc.binary_length(text).cast(pa.int64()),
    ], schema=_UNIT_SCHEMA)


def _lines_table_python(lines: pa.Array, first_line: int, source: SourceInfo, report: IngestReport, store):
    """Lines of a chunk that is not all UTF-8, one by one (as ``bytes.decode`` would)."""
    if source.encoding in (None, "utf-8", "utf-8-sig"):
        encoding, confident = _detect_encoding(store.reading_path(source.source_id))
        if not encoding.startswith("utf-8"):
            source.encoding = encoding
            msg = (f"{source.original_path}: not UTF-8; decoded as {encoding}"
                   + ("" if confident else " (a guess)") + ": check accents in names and titles")
            warn(store, source, "", msg)
            report.warnings += 1
            report.messages.append(msg)
    fallback = None if source.encoding in (None, "utf-8", "utf-8-sig") else source.encoding
    locators, texts = [], []
    for n, raw in enumerate(lines.to_pylist(), start=first_line):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if fallback:
                text = raw.decode(fallback, errors="replace")
                warn(store, source, f"L{n}", f"line {n} is not UTF-8: decoded as {fallback}")
                report.warnings += 1
            else:
                quarantine(store, source, f"L{n}", f"line {n}: invalid UTF-8 ({exc.reason} at byte "
                           f"{exc.start})", raw + b"\n", kind="line")
                report.quarantined += 1
                continue
        locators.append(f"L{n}")
        texts.append(text.rstrip("\r"))
    return pa.table([
        pa.array([source.source_id] * len(texts), pa.string()),
        pa.array(locators, pa.string()),
        pa.array(texts, pa.large_string()),
        pa.nulls(len(texts), pa.string()),
        pa.nulls(len(texts), pa.int64()),
        pa.nulls(len(texts), pa.int64()),
    ], schema=_UNIT_SCHEMA)


def _iter_document(path: Path, encoding: str, source: SourceInfo, report: IngestReport, store) -> Iterator[Unit]:
    """Stream the items of a JSON document (package, array, single object) as units."""
    import ijson

    f, _ = _open_binary(path)
    stream = f if encoding.startswith("utf-8") else _Transcoder(f, encoding)
    meta: dict = {}
    builder = None
    item_prefix = None
    index = {"releases": -1, "records": -1, "": -1}
    top_kind = None
    container = None
    whole = None
    with f:
        try:
            for prefix, event, value in ijson.parse(stream, use_float=True):
                if builder is not None:
                    if prefix == item_prefix and event in ("end_map", "end_array"):
                        builder.event(event, value)
                        yield Unit(f"{container}/{index[container.strip('/')]}",
                                   orjson.dumps(builder.value).decode(),
                                   meta.get("version") if top_kind == "package" else None)
                        builder = None
                        continue
                    builder.event(event, value)
                    continue
                if top_kind is None:
                    top_kind = "array" if event == "start_array" else "object" if event == "start_map" else "scalar"
                    if top_kind == "scalar":
                        quarantine(store, source, "", "the file is a single JSON scalar, not OCDS",
                                   str(value), kind="file")
                        report.quarantined += 1
                        return
                    if top_kind == "object":
                        whole = ijson.ObjectBuilder()
                        whole.event(event, value)
                    continue
                if top_kind == "array":
                    if prefix == "item" and event in ("start_map", "start_array"):
                        index[""] += 1
                        container, item_prefix = "", "item"
                        builder = ijson.ObjectBuilder()
                        builder.event(event, value)
                    elif prefix == "item":
                        index[""] += 1
                        yield Unit(f"/{index['']}", orjson.dumps(value).decode())
                    continue
                # top-level object: stream releases/records items, build the rest
                if prefix in ("releases.item", "records.item"):
                    key = prefix.split(".")[0]
                    index[key] += 1
                    top_kind = "package"
                    if event in ("start_map", "start_array"):
                        container, item_prefix = f"/{key}", prefix
                        builder = ijson.ObjectBuilder()
                        builder.event(event, value)
                    else:
                        yield Unit(f"/{key}/{index[key]}", orjson.dumps(value).decode(), meta.get("version"))
                    continue
                if prefix in ("releases", "records") and event in ("start_array", "end_array"):
                    top_kind = "package"
                    whole.event("start_array" if event == "start_array" else "end_array", None)
                    continue
                whole.event(event, value)
                if prefix in ("version", "license", "publishedDate", "uri") and event in ("string", "number"):
                    meta[prefix] = value
                elif prefix == "publisher.name" and event == "string":
                    meta["publisher"] = value
        except ijson.JSONError as exc:
            detail = " ".join(str(exc).split())
            if builder is not None:
                where = f"{container}/{index[container.strip('/')]}"
                msg = (f"{source.original_path}: malformed or truncated JSON in item {where} ({detail}); "
                       "the items before it were ingested")
            else:
                where = container or ""
                msg = f"{source.original_path}: malformed or truncated JSON ({detail})"
            with open(path, "rb") as raw:
                raw.seek(max(0, source.size - RAW_LIMIT))
                tail = raw.read()
            quarantine(store, source, where, msg, tail, kind="file")
            report.quarantined += 1
            return
        except UnicodeDecodeError as exc:
            quarantine(store, source, "", f"invalid UTF-8 at byte {exc.start}: {exc.reason}", None, kind="file")
            report.quarantined += 1
            return
    if top_kind == "object" and whole is not None:
        obj = whole.value
        if top_kind == "object":
            yield Unit("", orjson.dumps(obj).decode())
    source.ocds_version = meta.get("version", "1.0") if top_kind == "package" else None
    source.licence = meta.get("license")
    source.publisher = meta.get("publisher")
    source.published_date = meta.get("publishedDate")
    if top_kind == "package":
        source.format = "record_package" if index["records"] >= 0 else "release_package"


# -- classifying and storing units -----------------------------------------------------------------------------

# What classification reads of each unit (a few top-level fields; the big ones only when present).
_SHAPE = json.dumps({"ocid": "JSON", "id": "JSON", "date": "VARCHAR", "tag": "JSON", "releases": "JSON",
                     "records": "JSON", "compiledRelease": "JSON"})
_UNIT_SCHEMA = pa.schema([("source_id", pa.string()), ("locator", pa.string()), ("text", pa.large_string()),
                          ("hint", pa.string()), ("data_offset", pa.int64()), ("data_length", pa.int64())])


def _units_table(units: list[Unit]) -> pa.Table:
    return pa.table([
        pa.array([u.source.source_id for u in units], pa.string()),
        pa.array([u.locator for u in units], pa.string()),
        pa.array([u.text for u in units], pa.large_string()),
        pa.array([u.version_hint for u in units], pa.string()),
        pa.nulls(len(units), pa.int64()),
        pa.nulls(len(units), pa.int64()),
    ], schema=_UNIT_SCHEMA)


class _Batcher:
    """Collect units (from Python) and line tables (from Arrow) of one or more files into staging batches."""

    def __init__(self, store, report: IngestReport, progress=None, *, commit: bool = False):
        self.store, self.report, self.progress, self.commit = store, report, progress, commit
        self.sources: dict[str, SourceInfo] = {}
        self.units: list[Unit] = []
        self.tables: list[pa.Table] = []
        self.rows = 0
        self.sink = stage.RowSink(store.con, background=commit)

    def add_unit(self, unit: Unit) -> None:
        self.sources[unit.source.source_id] = unit.source
        self.units.append(unit)
        self.rows += 1
        if self.rows >= BATCH:
            self.flush()

    def add_table(self, source: SourceInfo, table: pa.Table) -> None:
        self.sources[source.source_id] = source
        self._pack()
        self.tables.append(table)
        self.rows += table.num_rows
        if self.rows >= BATCH:
            self.flush()

    def _take(self) -> pa.Table:
        tables, self.tables, self.rows = self.tables, [], 0
        return pa.concat_tables(tables) if len(tables) > 1 else tables[0]

    def _pack(self) -> None:
        if self.units:
            self.tables.append(_units_table(self.units))
            self.units = []

    def flush(self) -> None:
        self._pack()
        if self.tables:
            # the batch is handed over without a name here, so that _stage_batch can let go of its text early
            _stage_batch(self.store, self._take(), self.sources, self.report, self.sink)
            if self.commit:
                # DuckDB frees the batch's temporary tables only at commit: without this, memory grows with
                # the file. The sources stay 'loading' until their last batch (see Store.discard_incomplete).
                self.store.con.execute("COMMIT")
                self.store.con.execute("BEGIN TRANSACTION")
            # Only now may the writer append the batch's rows: it commits on its own, and a row whose source is not
            # yet committed as 'loading' would outlive a kill (Store.discard_incomplete finds rows by their source).
            self.sink.flush()
            if self.progress:
                self.progress("read", self.report.releases, None)

    def finish(self) -> None:
        """Stage what is left and append every row the native stager still holds."""
        self.flush()
        self.sink.finish()

    def close(self) -> None:
        """After an error: stop appending rows (the ingest then removes what its unfinished files left)."""
        self.sink.close()


def _stage_batch(store, units: pa.Table, sources: dict[str, SourceInfo], report: IngestReport,
                 sink: stage.RowSink | None = None) -> None:
    """Classify a batch of units (from one or more files) in SQL, hand the odd ones to Python, store releases,
    and flatten the processes that are one new compiled release (the others wait in pending_processes)."""
    con = store.con
    # Lines kept by reference are staged natively where they can be (nadzor.normalize.stage); the rest, and every
    # line the native stager declines, take the SQL path below.
    native = stage.stage_units(units) if stage.enabled() else None
    staged = units.append_column("seq", pa.array(range(units.num_rows), pa.int64()))
    n_units = units.num_rows
    if native is not None and native.handled:
        # the lines the native stager took are kept by reference: their text can go now (text_of reads it back)
        staged = staged.filter(pa.array(native.declined, pa.uint8()).cast(pa.bool_()))
        units = None
    con.register("_units_arrow", staged)
    # One parse per unit: TRY() gives NULL for text that is not valid JSON (explained later in Python). ``kind``
    # is NULL for what SQL cannot decide: not an object, packages and records, OCDS 1.0, versioned releases.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _c AS
        SELECT seq, source_id, locator, text, hint, r,
            CASE
                WHEN r IS NULL OR ltrim(text)[1] <> '{{' THEN NULL
                WHEN json_type(r.ocid) IS DISTINCT FROM 'VARCHAR' OR length(r.ocid->>'$') = 0 THEN NULL
                WHEN r.releases IS NOT NULL OR r.records IS NOT NULL OR r.compiledRelease IS NOT NULL THEN NULL
                WHEN json_type(r.tag) = 'ARRAY' AND list_contains(r.tag->>'$[*]', 'compiled') THEN 'compiled'
                WHEN json_type(r.id) IN ('VARCHAR', 'BIGINT', 'UBIGINT') AND length(r.id->>'$') > 0
                     AND coalesce(hint, '') <> '1.0'
                     AND (coalesce(hint, '') = '1.1' OR list_contains(json_keys(text), 'parties')
                          OR NOT list_has_any(json_keys(text), ['buyer', 'tender', 'awards'])) THEN 'release'
            END AS kind,
            CAST(NULL AS VARCHAR) AS upgraded_from, data_offset, data_length
        FROM (SELECT seq, source_id, locator, text, hint, data_offset, data_length,
                     try(json_transform(text, '{_SHAPE}')) AS r FROM _units_arrow)
    """)
    con.unregister("_units_arrow")
    _expand_slow(store, sources, report)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _keys AS
        SELECT *, CASE kind WHEN 'release' THEN 'release:' || ocid || ':' || release_id
                            ELSE kind || ':' || ocid || ':' || substr(content_hash, 1, 16) END AS release_key
        FROM (
            SELECT seq, source_id, locator, kind, upgraded_from, r.ocid->>'$' AS ocid,
                   CASE WHEN json_type(r.id) IN ('VARCHAR', 'BIGINT', 'UBIGINT') THEN r.id->>'$' END AS release_id,
                   r.date AS date,
                   CASE WHEN json_type(r.tag) = 'ARRAY'
                        THEN list_transform(CAST(r.tag->'$[*]' AS VARCHAR[]), x -> trim(x, '"')) END AS tag,
                   md5(text) AS content_hash, data_offset, data_length
            FROM _c WHERE kind IS NOT NULL
        )
    """)
    if native is not None and native.handled:
        _native_rows(con, native, "keys", lambda view, sid: f"""
            INSERT INTO _keys SELECT seq, '{sid.replace("'", "''")}', locator, kind, NULL, ocid, release_id, date,
                {stage.list_sql('tag')}, content_hash, data_offset, data_length, release_key FROM {view}""")

    def text_of(seq: int) -> str:
        """The text of a unit of this batch (for the rare conflict to explain)."""
        row = con.execute("SELECT text FROM _c WHERE seq = ?", [seq]).fetchone()
        if row is not None:
            return row[0]
        if units is not None and seq < n_units:
            return units.column("text")[seq].as_py()
        source_id, offset, length = con.execute(
            "SELECT source_id, data_offset, data_length FROM _keys WHERE seq = ?", [seq]).fetchone()
        with open(store.reading_path(source_id), "rb") as f:
            f.seek(offset)
            return f.read(length).decode("utf-8")
    # Same key: identical content is a duplicate; different content is quarantined (the first one stays).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _judged AS
        SELECT n.*, r.content_hash AS old_hash, r.source_id AS old_source, r.locator AS old_locator,
               row_number() OVER (PARTITION BY n.release_key ORDER BY n.seq) AS nth,
               first_value(n.content_hash) OVER (PARTITION BY n.release_key ORDER BY n.seq) AS first_hash,
               first_value(n.locator) OVER (PARTITION BY n.release_key ORDER BY n.seq) AS first_locator,
               first_value(n.source_id) OVER (PARTITION BY n.release_key ORDER BY n.seq) AS first_source
        FROM _keys n LEFT JOIN releases r USING (release_key)
    """)
    conflicts = con.execute("""
        SELECT j.source_id, j.locator, j.ocid, j.release_id, j.seq, j.old_locator, j.old_source, j.first_locator,
               j.first_source
        FROM _judged j
        WHERE (j.old_hash IS NOT NULL AND j.old_hash <> j.content_hash) OR (j.nth > 1 AND j.first_hash <> j.content_hash)
        ORDER BY j.seq
    """).fetchall()
    for source_id, locator, ocid, release_id, seq, old_locator, old_source, first_locator, first_source in conflicts:
        text = text_of(seq)
        if _same_content(store, text, ocid, release_id, old_locator, old_source, text_of):
            report.duplicates += 1
            continue
        earlier_source = old_source if old_locator is not None else first_source
        earlier_locator = old_locator if old_locator is not None else first_locator
        path = store.scalar("SELECT original_path FROM sources WHERE source_id = ?", [earlier_source])
        quarantine(store, sources[source_id], locator,
                   f"{locator or '(whole document)'}: release id '{release_id}' of {ocid} was already ingested "
                   f"from {path} at {earlier_locator or '(whole document)'} with different content; the first one "
                   "is kept", text, ocid=ocid, kind="conflict")
        report.quarantined += 1
    report.duplicates += con.execute("""
        SELECT count(*) FROM _judged
        WHERE old_hash = content_hash OR (nth > 1 AND first_hash = content_hash AND old_hash IS NULL)
    """).fetchone()[0]
    # A process that is one new compiled release (no other release of its ocid, before or in this batch) is
    # flattened now from the parsed struct; any other touched process waits for rebuild_processes.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _direct AS
        WITH fresh AS (SELECT * FROM _judged WHERE old_hash IS NULL AND nth = 1)
        SELECT seq, release_key FROM fresh
        WHERE kind = 'compiled'
          AND ocid NOT IN (SELECT ocid FROM fresh GROUP BY ocid HAVING count(*) > 1)
          AND ocid NOT IN (SELECT ocid FROM releases WHERE ocid IN (SELECT ocid FROM fresh))
          AND ocid NOT IN (SELECT ocid FROM pending_processes)
    """)
    inserted = con.execute("""
        INSERT INTO releases (release_key, ocid, release_id, kind, date, tag, content_hash, data, upgraded_from,
                              source_id, locator, data_offset, data_length)
        SELECT j.release_key, j.ocid, j.release_id, j.kind, j.date, j.tag, j.content_hash,
               CASE WHEN j.data_offset IS NULL THEN c.text END, j.upgraded_from, j.source_id, j.locator,
               j.data_offset, j.data_length
        FROM _judged j LEFT JOIN _c c USING (seq) WHERE j.old_hash IS NULL AND j.nth = 1
    """).fetchone()[0]
    report.releases += inserted
    con.execute("""
        INSERT INTO pending_processes SELECT DISTINCT ocid FROM _judged WHERE old_hash IS NULL AND nth = 1
        AND seq NOT IN (SELECT seq FROM _direct) AND ocid NOT IN (SELECT ocid FROM pending_processes)
    """)
    if con.execute("SELECT count(*) FROM _direct").fetchone()[0]:
        # _c holds the units the C stager did not take: when it took every direct one, the big json_transform is not
        # even bound (that cost 27 ms per batch)
        flat = con.execute("SELECT count(*) FROM _c JOIN _direct USING (seq)").fetchone()[0] > 0
        if flat:
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE _flat AS
                SELECT c.r.ocid->>'$' AS ocid, c.source_id, c.locator,
                       json_transform(c.text, '{_FLAT_STRUCTURE}') AS r, CAST(NULL AS VARCHAR) AS compiled,
                       d.release_key AS compiled_from, 1 AS release_count
                FROM _c c JOIN _direct d USING (seq)
            """)
        if sink is not None and native is not None and native.handled and not con.execute("""
                SELECT count(*) FROM _keys k ANTI JOIN _c USING (seq)
                WHERE k.kind = 'compiled' AND k.seq NOT IN (SELECT seq FROM _direct)""").fetchone()[0]:
            # every compiled release the native stager took is a process of its own: its rows can wait in the
            # sink to be appended a row group at a time
            _store_flat(store, flat=flat)
            sink.add(native)  # handed to the writer by _Batcher.flush once the batch (and its source) is committed
        else:
            _store_flat(store, native, flat=flat)
    for t in ("_c", "_keys", "_judged", "_direct", "_flat"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


def _expand_slow(store, sources: dict[str, SourceInfo], report: IngestReport) -> None:
    """Run the units SQL could not classify through Python and add what they hold to ``_c``."""
    con = store.con
    slow = con.execute("SELECT source_id, locator, text, hint FROM _c WHERE kind IS NULL ORDER BY seq").fetchall()
    if not slow:
        return
    goods: list[tuple[str, _Good]] = []
    for source_id, locator, text, hint in slow:
        source = sources[source_id]
        goods.extend((source_id, g) for g in _expand_python(store, source, Unit(locator, text, hint, source),
                                                            report))
    con.execute("DELETE FROM _c WHERE kind IS NULL")
    if not goods:
        return
    slow_tbl = pa.table({
        "source_id": pa.array([sid for sid, _ in goods], pa.string()),
        "locator": pa.array([g.locator for _, g in goods], pa.string()),
        "kind": pa.array([g.kind for _, g in goods], pa.string()),
        "text": pa.array([g.text for _, g in goods], pa.large_string()),
        "upgraded_from": pa.array([g.upgraded_from for _, g in goods], pa.string()),
        "seq": pa.array(range(1_000_000_000, 1_000_000_000 + len(goods)), pa.int64()),
    })
    con.register("_slow_arrow", slow_tbl)
    con.execute(f"""
        INSERT INTO _c
        SELECT seq, source_id, locator, text, NULL, json_transform(text, '{_SHAPE}'), kind, upgraded_from, NULL, NULL
        FROM _slow_arrow
    """)
    con.unregister("_slow_arrow")



@dataclass
class _Good:
    locator: str
    kind: str
    text: str
    upgraded_from: str | None = None


def _expand_python(store, source, unit: Unit, report: IngestReport) -> list[_Good]:
    """Handle a unit SQL could not: explain invalid JSON, unpack packages/arrays, upgrade 1.0, versioned."""
    try:
        obj = orjson.loads(unit.text)
    except orjson.JSONDecodeError as exc:
        where = f"line {unit.locator[1:]}" if unit.locator.startswith("L") else (unit.locator or "the document")
        quarantine(store, source, unit.locator, f"{where}: malformed JSON ({exc})", unit.text, kind="item")
        report.quarantined += 1
        return []
    return _expand_obj(store, source, unit.locator, obj, unit.version_hint, report)


def _expand_obj(store, source, locator: str, obj, version_hint, report) -> list[_Good]:
    out: list[_Good] = []
    if isinstance(obj, list):
        for i, el in enumerate(obj):
            out.extend(_expand_obj(store, source, f"{locator}/{i}", el, version_hint, report))
        return out
    if not isinstance(obj, dict):
        quarantine(store, source, locator, f"{locator or 'the document'}: a JSON {type(obj).__name__}, "
                   "not an OCDS release or package", orjson.dumps(obj).decode(), kind="item")
        report.quarantined += 1
        return out
    if "ocid" in obj and (isinstance(obj.get("releases"), list) or "compiledRelease" in obj
                          or "versionedRelease" in obj):
        return _expand_record(store, source, locator, obj, version_hint, report)
    if "releases" in obj or "records" in obj:
        version = obj.get("version", "1.0") if isinstance(obj.get("version"), str) else "1.0"
        # a package inside an array or a line: its metadata describes the source too (first one wins)
        if isinstance(obj.get("license"), str) and not source.licence:
            source.licence = obj["license"]
        if isinstance(obj.get("publisher"), dict) and not source.publisher:
            source.publisher = obj["publisher"].get("name")
        if isinstance(obj.get("publishedDate"), str) and not source.published_date:
            source.published_date = obj["publishedDate"]
        source.ocds_version = source.ocds_version or version
        source.format = source.format or ("record_package" if "records" in obj else "release_package")
        for i, rel in enumerate(obj.get("releases") or []):
            out.extend(_expand_obj(store, source, f"{locator}/releases/{i}", rel, version, report))
        for i, rec in enumerate(obj.get("records") or []):
            out.extend(_expand_record(store, source, f"{locator}/records/{i}", rec, version, report))
        return out
    if "ocid" not in obj:
        keys = ", ".join(list(obj)[:6])
        quarantine(store, source, locator, f"{locator or 'the document'}: not OCDS: an object without 'ocid' "
                   f"(keys: {keys})", orjson.dumps(obj).decode(), kind="item")
        report.quarantined += 1
        return out
    if not isinstance(obj["ocid"], str) or not obj["ocid"].strip():
        quarantine(store, source, locator + "/ocid", f"{locator or 'the document'}: 'ocid' is not a non-empty "
                   "string", orjson.dumps(obj).decode(), kind="item")
        report.quarantined += 1
        return out
    tag = obj.get("tag")
    if isinstance(tag, list) and "compiled" in tag:
        return [_Good(locator, "compiled", orjson.dumps(obj).decode())]
    if any(compiling._is_versioned_list(v) for v in obj.values()) or any(
            isinstance(v, dict) and any(compiling._is_versioned_list(x) for x in v.values()) for v in obj.values()):
        return [_Good(locator, "versioned", orjson.dumps(obj).decode())]
    if not isinstance(obj.get("id"), (str, int)) or obj.get("id") == "":
        quarantine(store, source, locator + "/id", f"{locator or 'the document'}: release of {obj['ocid']} "
                   "has no release 'id'", orjson.dumps(obj).decode(), ocid=obj["ocid"], kind="item")
        report.quarantined += 1
        return out
    upgraded = None
    if version_hint == "1.0" or (version_hint is None and _looks_10(obj)):
        from ocdskit.upgrade import upgrade_release_10_11

        upgrade_release_10_11(obj, reorder=False)
        upgraded = "1.0"
    return [_Good(locator, "release", orjson.dumps(obj).decode(), upgraded)]


def _looks_10(release: dict) -> bool:
    """OCDS 1.0 releases have full organisation objects and no parties array."""
    if "parties" in release:
        return False
    return any(k in release for k in ("buyer", "tender", "awards"))


def _expand_record(store, source, locator, rec, version, report) -> list[_Good]:
    out: list[_Good] = []
    if not isinstance(rec, dict):
        quarantine(store, source, locator, f"{locator}: a record must be an object", orjson.dumps(rec).decode(),
                   kind="item")
        report.quarantined += 1
        return out
    ocid = rec.get("ocid")
    for j, rel in enumerate(rec.get("releases") or []):
        loc = f"{locator}/releases/{j}"
        if isinstance(rel, dict) and "url" in rel and "ocid" not in rel:
            store.con.execute("INSERT INTO unfetched_releases VALUES (?, ?, ?, ?)",
                              [ocid, rel.get("url"), source.source_id, loc])
            report.messages.append(f"{loc}: release linked by URL only, not fetched: {rel.get('url')}")
            continue
        out.extend(_expand_obj(store, source, loc, rel, version, report))
    compiled = rec.get("compiledRelease")
    if isinstance(compiled, dict):
        compiled = dict(compiled)
        tag = compiled.get("tag")
        if not (isinstance(tag, list) and "compiled" in tag):
            compiled["tag"] = ["compiled"]
        if version == "1.0":
            from ocdskit.upgrade import upgrade_release_10_11

            upgrade_release_10_11(compiled, reorder=False)
        out.extend(_expand_obj(store, source, f"{locator}/compiledRelease", compiled, "1.1", report))
    elif isinstance(rec.get("versionedRelease"), dict) and not out:
        out.extend(_expand_obj(store, source, f"{locator}/versionedRelease", rec["versionedRelease"], "1.1",
                               report))
    return out


def _same_content(store, text, ocid, release_id, old_locator, old_source, text_of) -> bool:
    """Decide a hash conflict by comparing parsed JSON: key order, spacing and 1 vs 1.0 do not make content
    differ."""
    old = None
    if old_locator is not None:
        texts = store.select_release_texts("r.ocid = ? AND r.release_id = ? AND r.kind = 'release'",
                                           [ocid, release_id])
        old = texts[0] if texts else None
    if old is None:
        seq = store.scalar("SELECT seq FROM _keys WHERE ocid = ? AND release_id = ? ORDER BY seq LIMIT 1",
                           [ocid, release_id])
        old = None if seq is None else text_of(seq)
    return old is not None and orjson.loads(old) == orjson.loads(text)  # 1 == 1.0, key order ignored


def ingest_release_docs(store, source: SourceInfo, docs: Iterable[tuple[str, object]], *,
                        rebuild: bool = True) -> IngestReport:
    """Store (locator, parsed JSON) pairs from an adapter and (unless ``rebuild`` is False) rebuild the processes
    they touch; without rebuild they stay listed in pending_processes for ``rebuild_processes``."""
    report = IngestReport()
    batcher = _Batcher(store, report)
    for locator, obj in docs:
        text = obj if isinstance(obj, str) else orjson.dumps(obj).decode()
        batcher.add_unit(Unit(locator, text, "1.1", source))
    batcher.finish()
    if rebuild:
        report.processes_updated += rebuild_processes(store, own_transactions=False)
    return report


# -- rebuilding processes --------------------------------------------------------------------------------------

def rebuild_processes(store, *, own_transactions: bool = True, progress=None) -> int:
    """Recompile and re-flatten every process listed in ``pending_processes``, in chunks.

    Each chunk is one transaction that also removes its ocids from the pending list, so after a kill the rest
    are still listed and the next ingest (even of nothing new) finishes them.
    """
    con = store.con
    total = con.execute("SELECT count(*) FROM pending_processes").fetchone()[0]
    done = 0
    while True:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _chunk AS SELECT DISTINCT ocid FROM pending_processes "
                    f"ORDER BY ocid LIMIT {REBUILD_CHUNK}")
        n = con.execute("SELECT count(*) FROM _chunk").fetchone()[0]
        if not n:
            break
        if own_transactions:
            with store.transaction():
                _rebuild_chunk(store)
                con.execute("DELETE FROM pending_processes WHERE ocid IN (SELECT ocid FROM _chunk)")
        else:
            _rebuild_chunk(store)
            con.execute("DELETE FROM pending_processes WHERE ocid IN (SELECT ocid FROM _chunk)")
        done += n
        if progress:
            progress(done, total)
    con.execute("DROP TABLE IF EXISTS _chunk")
    return done


def _rebuild_chunk(store) -> None:
    con = store.con
    con.execute("CREATE OR REPLACE TEMP TABLE _docs (ocid VARCHAR, source_id VARCHAR, locator VARCHAR, doc VARCHAR,"
                " compiled VARCHAR, compiled_from VARCHAR, release_count INTEGER)")
    # Processes with only compiled releases: the newest one is used as is (no copy of its JSON).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _counts AS
        SELECT ocid, count(*) AS n FROM releases SEMI JOIN _chunk USING (ocid) GROUP BY ocid
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _latest AS
        SELECT q.ocid, q.source_id, q.locator, q.release_key, k.n, q.data, q.data_offset, q.data_length FROM (
            SELECT r.*, row_number() OVER (PARTITION BY r.ocid ORDER BY r.date DESC NULLS LAST,
                                           r.release_key DESC) AS rn
            FROM releases r SEMI JOIN _chunk c ON r.ocid = c.ocid
            WHERE r.kind = 'compiled'
              AND r.ocid NOT IN (SELECT ocid FROM releases WHERE kind = 'release' AND ocid IN (SELECT ocid FROM _chunk))
        ) q JOIN _counts k ON q.ocid = k.ocid WHERE rn = 1
    """)
    if con.execute("SELECT count(*) FROM _latest WHERE data_offset IS NOT NULL").fetchone()[0]:
        # texts kept by reference: read them from the archive (one pass per file) into _docs
        rows = con.execute("SELECT ocid, source_id, locator, release_key, n, CAST(data AS VARCHAR), source_id, "
                           "data_offset, data_length FROM _latest").fetchall()
        cols = list(zip(*rows))
        con.register("_latest_arrow", pa.table({
            "ocid": pa.array(cols[0], pa.string()), "source_id": pa.array(cols[1], pa.string()),
            "locator": pa.array(cols[2], pa.string()), "release_key": pa.array(cols[3], pa.string()),
            "n": pa.array(cols[4], pa.int64()),
            "doc": pa.array(store.release_texts([r[5:] for r in rows]), pa.large_string())}))
        con.execute("INSERT INTO _docs SELECT ocid, source_id, locator, doc, NULL, release_key, n FROM _latest_arrow")
        con.unregister("_latest_arrow")
    else:
        con.execute("INSERT INTO _docs SELECT ocid, source_id, locator, data, NULL, release_key, n FROM _latest")
    # Processes with individual releases: merged with ocdsmerge; versioned-only ones: their last values.
    rows = con.execute(f"""
        SELECT r.ocid, r.kind, r.source_id, r.locator, r.release_key, k.n, {store.release_ref_sql('r')}
        FROM releases r JOIN _counts k ON r.ocid = k.ocid
        WHERE r.kind = 'release' OR (r.kind = 'versioned' AND r.ocid NOT IN (
            SELECT ocid FROM releases WHERE kind IN ('release', 'compiled') AND ocid IN (SELECT ocid FROM _chunk)))
        ORDER BY r.ocid, r.date NULLS FIRST, r.release_key
    """).fetchall()
    texts = store.release_texts([row[6:] for row in rows])
    merged = []
    by_ocid: dict[str, list] = {}
    for (ocid, kind, source_id, locator, key, n, *_ref), data in zip(rows, texts):
        by_ocid.setdefault(ocid, []).append((kind, orjson.loads(data), source_id, locator, key, n))
    for ocid, rels in by_ocid.items():
        count = rels[0][5]
        if rels[0][0] == "versioned":
            kind, data, source_id, locator, key, _n = rels[-1]
            compiled = compiling.versioned_to_compiled(data)
            merged.append((ocid, source_id, locator, orjson.dumps(compiled).decode(),
                           orjson.dumps(compiled).decode(), key, count))
            continue
        releases = [r[1] for r in rels]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compiled = compiling.compile_releases(releases)
        for w in caught:  # e.g. ocdsmerge's DuplicateIdValueWarning: keep it, loudly, where it came from
            store.con.execute("INSERT INTO warnings VALUES (?, NULL, ?, ?, ?)",
                              [rels[-1][2], rels[-1][3], f"merging {ocid}: {w.message}", now()])
        latest = max(rels, key=lambda r: (r[1].get("date") or "", r[4]))
        clean = orjson.dumps(compiled).decode()
        annotated = compiling.annotate_origins(compiled, [(r[1], r[2], r[3]) for r in sorted(
            rels, key=lambda r: (r[1].get("date") or ""))])
        merged.append((ocid, latest[2], latest[3], orjson.dumps(annotated).decode(), clean, "merged", count))
    if merged:
        con.executemany("INSERT INTO _docs VALUES (?, ?, ?, ?, ?, ?, ?)", merged)
    for table in ["processes", *MODEL_TABLES]:
        con.execute(f"DELETE FROM {table} WHERE ocid IN (SELECT ocid FROM _chunk)")
    con.execute("DELETE FROM quarantine WHERE kind = 'value' AND ocid IN (SELECT ocid FROM _chunk)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _flat AS SELECT ocid, source_id, locator, "
                f"json_transform(doc, '{_FLAT_STRUCTURE}') AS r, compiled, compiled_from, release_count FROM _docs")
    _store_flat(store)
    for t in ("_docs", "_flat", "_counts", "_latest"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


_FLAT_STRUCTURE = json.dumps(STRUCTURE)


def _store_flat(store, native=None, *, flat: bool = True) -> None:
    """Flatten ``_flat`` into temporary copies of the model tables, total and check values there (so the checks
    only read this batch), then append them to the store; append the rows the native stager made of the units in
    ``_direct`` (their totals are made and their values checked in C) straight to the store. ``flat`` False: no
    ``_flat`` was made (every direct unit was taken by the C stager)."""
    con = store.con
    if flat and con.execute("SELECT count(*) FROM _flat").fetchone()[0]:
        # tables with values to check or total go through a batch copy; the others are appended directly
        tables = {t for t, _c, _p in _AMOUNT_COLUMNS + _DATE_COLUMNS} | {"awards", "contracts"}
        for t in tables:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _m_{t} AS FROM {t} LIMIT 0")
        flatten_structs(con, {t: f"_m_{t}" for t in tables})
        _summarise_values(con)
        _check_values(store)
        for t in tables:
            con.execute(f"INSERT INTO {t} FROM _m_{t}")
        for t in (*(f"_m_{t}" for t in tables), "_awards", "_contracts", "_bids", "_bids2", "_awards2"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    if native is not None and native.handled:
        for name in stage.MODEL:
            _native_rows(con, native, name, lambda view, sid: stage.insert_sql(
                name, name, view, sid, where="WHERE seq IN (SELECT seq FROM _direct)"))


def _native_rows(con, native, name: str, sql) -> None:
    """Run ``sql(view, source_id)`` over the native stager's rows of table ``name``, one file at a time."""
    stage.insert_per_source(con, zip(native.tables[name], native.sources), sql)


def _summarise_values(con) -> None:
    """Award and contract totals per process, in the currency most of its values use; a tie goes to the currency
    met first in the array, and values are added in array order (so that the native stager, which does the same
    in C, gives the same total to the last bit)."""
    contract_index = r"TRY_CAST(regexp_extract(locator, '/(\d+)$', 1) AS BIGINT)"
    for kind, table, status_ok, index in (("award", "awards", "('active')", "award_index"),
                                          ("contract", "contracts", "('active', 'terminated')", contract_index)):
        con.execute(f"""
            UPDATE _m_processes p SET {kind}_value_amount = t.amount, {kind}_value_currency = t.currency
            FROM (
                SELECT ocid, first(currency ORDER BY n DESC, first_index) AS currency,
                       first(amount ORDER BY n DESC, first_index) AS amount FROM (
                    SELECT ocid, value_currency AS currency, sum(value_amount ORDER BY i) AS amount, count(*) AS n,
                           min(i) AS first_index
                    FROM (SELECT *, {index} AS i FROM _m_{table})
                    WHERE value_amount IS NOT NULL AND (status IS NULL OR status IN {status_ok})
                    GROUP BY ocid, value_currency)
                GROUP BY ocid
            ) t WHERE p.ocid = t.ocid
        """)


# Absurd values: (table, column, pointer suffix, condition, reason)
_AMOUNT_COLUMNS = [
    ("processes", "tender_value_amount", "/tender/value/amount"),
    ("lots", "value_amount", "/value/amount"),
    ("bids", "value_amount", "/value/amount"),
    ("awards", "value_amount", "/value/amount"),
    ("contracts", "value_amount", "/value/amount"),
    ("items", "unit_value_amount", "/unit/value/amount"),
]
_DATE_COLUMNS = [
    ("processes", "date", "/date"), ("processes", "tender_start", "/tender/tenderPeriod/startDate"),
    ("processes", "tender_end", "/tender/tenderPeriod/endDate"), ("bids", "date", "/date"),
    ("awards", "date", "/date"), ("contracts", "period_start", "/period/startDate"),
    ("contracts", "period_end", "/period/endDate"), ("contracts", "date_signed", "/dateSigned"),
    ("amendments", "date", "/date"), ("documents", "date_published", "/datePublished"),
]
_BAD_DATE = (r"{c} <> '' AND NOT regexp_matches({c}, '^\d{{4}}-\d{{2}}-\d{{2}}') "
             r"OR {c} <> '' AND TRY_CAST(substr({c}, 1, 4) AS INTEGER) NOT BETWEEN 1900 AND 2100")


def _check_values(store) -> None:
    """Quarantine absurd values (negative amounts, impossible dates): keep the raw value, NULL the column."""
    con = store.con
    checks: dict[str, list] = {}
    for t, c, p in _AMOUNT_COLUMNS:
        checks.setdefault(t, []).append((c, p, f"{c} < 0", "negative amount"))
    for t, c, p in _DATE_COLUMNS:
        checks.setdefault(t, []).append((c, p, _BAD_DATE.format(c=c), "not a date in 1900-2100"))
    for table, cols in checks.items():
        # a processes row's locator is its release's; other rows' locators are their element's
        selects = " UNION ALL ".join(
            f"""SELECT t.source_id, s.original_path, t.locator || '{p}',
                   coalesce(s.original_path, '') || ' ' || t.locator || '{p}: {reason}: '
                       || CAST(t.{c} AS VARCHAR) || ' (the value is not used; the release is kept)',
                   CAST(t.{c} AS VARCHAR), now(), t.ocid, 'value'
                FROM _m_{table} t LEFT JOIN sources s ON s.source_id = t.source_id
                WHERE t.{c} IS NOT NULL AND ({cond})"""
            for c, p, cond, reason in cols)
        con.execute(f"INSERT INTO quarantine {selects}")
        sets = ", ".join(f"{c} = CASE WHEN {cond} THEN NULL ELSE {c} END" for c, p, cond, reason in cols)
        where = " OR ".join(f"({c} IS NOT NULL AND ({cond}))" for c, p, cond, reason in cols)
        con.execute(f"UPDATE _m_{table} SET {sets} WHERE {where}")


# -- files and folders -----------------------------------------------------------------------------------------

def iter_input_files(paths: Iterable[str]) -> Iterator[str]:
    """Expand folders recursively (JSON, JSON lines and .gz files, sorted); pass files and '-' through."""
    for p in paths:
        if p == "-":
            yield p
            continue
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and f.name.lower().endswith(JSON_SUFFIXES) and not f.name.startswith("."):
                    yield str(f)
        elif path.exists():
            yield str(path)
        else:
            raise InputError(f"{p}: no such file or folder")


def _open_file(store, path: str, report: IngestReport, data: bytes | None = None):
    """Archive and register one file; return (source, units) or (source, None) when it was ingested before.

    ``units`` yields Arrow tables of lines for a JSON-lines file, Unit objects for a JSON document."""
    # (a path that is not a file gets begin_source's clear error, not getsize's)
    big = data is None and os.path.isfile(path) and os.path.getsize(path) >= ARCHIVE_IN_BACKGROUND
    source = begin_source(store, "-" if data is not None else path, adapter="ocds", data=data, background=big)
    if source.already_complete:
        store.finish_archive(source.source_id)  # its archived copy had gone: it is back
        report.sources_skipped += 1
        return source, None
    report.sources += 1
    archived = store.reading_path(source.source_id)  # the original while its archive copy is being made
    f, gzipped = _open_binary(archived)
    f.close()
    jsonl = _looks_like_json_lines(archived, source.original_path)
    source.media_type = "application/gzip" if gzipped else ("application/x-ndjson" if jsonl else "application/json")
    if jsonl:
        # UTF-8 is checked line by line while reading; another encoding is looked for only if a line is not UTF-8.
        source.format = "json_lines"
        source.encoding = "utf-8"
        return source, _iter_line_tables(archived, source, report, store)
    encoding, confident = _detect_encoding(archived)
    source.encoding = encoding
    if not encoding.startswith("utf-8"):
        msg = (f"{source.original_path}: not UTF-8; decoded as {encoding}"
               + ("" if confident else " (a guess)") + ": check accents in names and titles")
        warn(store, source, "", msg)
        report.warnings += 1
        report.messages.append(msg)
    return source, _iter_document(archived, encoding, source, report, store)


def _finish(store, source: SourceInfo) -> None:
    if source.format is None:
        kinds = store.rows("SELECT kind FROM releases WHERE source_id = ? GROUP BY kind", [source.source_id])
        source.format = kinds[0]["kind"] if len(kinds) == 1 else ("mixed" if kinds else "empty")
    counts = IngestReport(
        releases=store.scalar("SELECT count(*) FROM releases WHERE source_id = ?", [source.source_id]),
        quarantined=store.scalar("SELECT count(*) FROM quarantine WHERE source_id = ?", [source.source_id]),
        warnings=store.scalar("SELECT count(*) FROM warnings WHERE source_id = ?", [source.source_id]),
    )
    finish_source(store, source, counts)


# A file this big is archived while it is read (hashed first, then copied by a thread as the batches are
# staged). 1M generated releases (2.9 GB): the archive step took 11-16 s before the first batch.
ARCHIVE_IN_BACKGROUND = 16 << 20

# Small files are staged together: one transaction per group of files (at most GROUP_BYTES or BATCH units).
GROUP_BYTES = 64 << 20
CHECKPOINT_EVERY = "1GB"  # of write-ahead log while staging
# DuckDB's memory while ingesting, unless NADZOR_MEMORY_LIMIT says otherwise. About 650 MiB of the ingest's peak
# is outside DuckDB's pool (Python, Arrow batches, the native stager's rows waiting for the writer): 300MB keeps the
# whole under 1 GiB at 1M releases (benchmarks/RESULTS.md).
INGEST_MEMORY_LIMIT = "300MB"


def ingest_paths(store, paths: Iterable[str], *, progress=None, on_file=None) -> IngestReport:
    """Ingest files, folders (recursive) and '-' (stdin), then rebuild the processes they touched (and any left
    pending by an interrupted run).

    Files are staged one big file or a group of small ones at a time, each batch in its own transaction, with the
    sources marked 'loading' until their last batch. After a kill or an error, what the unfinished files left is
    removed (``Store.discard_incomplete``, run when the store is opened and here), so the store only ever holds
    complete files; the next run skips what was completed and does the rest.
    """
    report = IngestReport()
    if stage.enabled():
        stage.tune_heap()
    files = list(iter_input_files(paths))
    store.discard_incomplete()
    quarantined_before = store.scalar("SELECT count(*) FROM quarantine")
    # Batches commit one by one; checkpointing after each (DuckDB's default, at 16 MiB of WAL) rewrites the
    # tables' last row groups every time and cost more than the staging itself.
    threshold = store.scalar("SELECT current_setting('checkpoint_threshold')")
    store.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_EVERY}'")
    memory = store.scalar("SELECT current_setting('memory_limit')")
    store.con.execute(f"SET memory_limit = '{os.environ.get('NADZOR_MEMORY_LIMIT', INGEST_MEMORY_LIMIT)}'")
    i = 0
    try:
        try:
            while i < len(files):
                try:
                    i = _ingest_group(store, files, i, report, progress, on_file)
                except BaseException:
                    store.discard_incomplete()  # batches already committed for the file(s) that failed
                    raise
        finally:
            store.con.execute(f"SET checkpoint_threshold = '{threshold}'")
        report.processes_updated = rebuild_processes(
            store, progress=(lambda d, t: progress("build", d, t)) if progress else None)
        if store.path is not None:
            store.con.execute("CHECKPOINT")  # what staging left in the log is written here, within the same limit
    finally:
        store.con.execute(f"SET memory_limit = '{memory}'")
    report.quarantined = store.scalar("SELECT count(*) FROM quarantine") - quarantined_before
    return report


def _ingest_group(store, files: list[str], i: int, report: IngestReport, progress, on_file) -> int:
    """Stage one big file, or small ones up to GROUP_BYTES together; return the index of the next file."""
    with store.transaction():
        opened: list[SourceInfo] = []
        batcher = _Batcher(store, report, progress, commit=True)
        try:
            i = _read_group(store, files, i, report, on_file, batcher, opened)
            batcher.finish()
            for source in opened:  # only a file whose archive copy is complete may be marked complete
                store.finish_archive(source.source_id)
        except BaseException:
            batcher.close()  # nothing may be appended once the ingest starts removing what the group left
            store.abandon_archives()
            raise
        for source in opened:
            _finish(store, source)
    return i


def _read_group(store, files: list[str], i: int, report: IngestReport, on_file, batcher: _Batcher,
                opened: list[SourceInfo]) -> int:
    """Read files into the batcher from ``files[i]`` until the group is full; return the index of the next."""
    group_bytes = 0
    while i < len(files) and group_bytes < GROUP_BYTES and batcher.rows < BATCH:
        path = files[i]
        i += 1
        if on_file:
            on_file(path)
        data = sys.stdin.buffer.read() if path == "-" else None
        source, units = _open_file(store, path, report, data)
        if units is None:
            continue
        opened.append(source)
        group_bytes += source.size
        for unit in units:
            if isinstance(unit, pa.Table):
                batcher.add_table(source, unit)
            else:
                unit.source = source
                batcher.add_unit(unit)
    return i


def ingest_file(store, path: str, *, progress=None) -> IngestReport:
    """Ingest one OCDS file (or '-' for stdin) and rebuild the processes it touched."""
    return ingest_paths(store, [path], progress=progress)
