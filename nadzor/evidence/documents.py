"""Documents as evidence: archive PDF, DOCX and XLSX files by sha256, extract their text, link them to
procurement processes (ocid) or FOI requests, classify the text when a text classifier is installed, and
search the text.

Search folds both the query and the text (Cyrillic to Latin, no diacritics, lower case), so ``kamera``
finds ``камера`` and ``Kamera``. Every word of the query must occur; a word matches anywhere in the text
(``kamer`` finds ``kamera`` and ``kamere``).
"""

from __future__ import annotations

import mimetypes
from datetime import datetime, timezone
from pathlib import Path

import orjson

from nadzor.exceptions import InputError, NotFoundError
from nadzor.text import fold

__all__ = ["extract_text", "add_document", "add_documents", "list_documents", "search_documents", "get_document"]

_MEDIA = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
    ".csv": "text/csv",
}


def extract_text(path: Path | str) -> tuple[str, int | None, str]:
    """Return (text, pages or sheets, extractor) for a PDF, DOCX, XLSX or text file.

    A scanned PDF without a text layer gives empty text (OCR is not done). Raises ``InputError`` if the file
    cannot be opened as its type says.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            from pypdf import PdfReader

            reader = PdfReader(str(path))
            pages = [(p.extract_text() or "") for p in reader.pages]
            return "\n".join(pages).strip(), len(pages), "pypdf"
        if suffix == ".docx":
            import docx

            d = docx.Document(str(path))
            parts = [p.text for p in d.paragraphs]
            for table in d.tables:
                for row in table.rows:
                    parts.append("\t".join(c.text for c in row.cells))
            return "\n".join(p for p in parts if p).strip(), None, "python-docx"
        if suffix in (".xlsx", ".xlsm"):
            import openpyxl

            wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
            lines = []
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    cells = [str(c) for c in row if c is not None]
                    if cells:
                        lines.append("\t".join(cells))
            n = len(wb.worksheets)
            wb.close()
            return "\n".join(lines).strip(), n, "openpyxl"
        if suffix in (".txt", ".csv", ".md"):
            from nadzor.ingest.values import decode_bytes

            return decode_bytes(path.read_bytes())[0].strip(), None, "text"
    except Exception as exc:   # the extractors raise many kinds for broken files
        raise InputError(f"cannot read the text of {path.name}: {exc}") from exc
    return "", None, "none"


def _classify(text: str) -> tuple[object | None, str | None]:
    """Run ``nadzor.classify.classify_text`` when installed; otherwise return the reason it did not run."""
    if not text:
        return None, "no text to classify (a scanned PDF needs OCR first)"
    try:
        from nadzor import classify
    except ImportError:
        return None, "nadzor.classify is not installed"
    func = getattr(classify, "classify_text", None)
    if func is None:
        return None, "nadzor.classify has no classify_text(text) in this version; the text was not classified"
    result = func(text)
    if isinstance(result, dict):   # the classifier echoes the text; the document row already holds it
        result = {k: v for k, v in result.items() if k != "text"}
    return result, None


def _json(value) -> str | None:
    if value is None:
        return None
    return orjson.dumps(value, default=lambda o: getattr(o, "__dict__", str(o))).decode()


def add_document(store, path: Path | str, *, ocid: str | None = None, foi_id: str | None = None,
                 note: str | None = None) -> dict:
    """Archive a document, extract and store its text once, and link it to ``ocid`` and/or ``foi_id``.

    Adding the same bytes again only adds the new link. Returns the document row (without the full text).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    sha, _, size = store.archive_file(path)
    now = datetime.now(timezone.utc)
    if not store.scalar("SELECT count(*) FROM archived_documents WHERE sha256 = ?", [sha]):
        text, pages, extractor = extract_text(path)
        result, note_cls = _classify(text)
        media = _MEDIA.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        store.con.execute(
            "INSERT INTO archived_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sha, path.name, media, size, pages, text, fold(text), extractor, _json(result), note_cls, now])
    if ocid or foi_id or not store.scalar("SELECT count(*) FROM document_links WHERE sha256 = ?", [sha]):
        exists = store.scalar(
            "SELECT count(*) FROM document_links WHERE sha256 = ? AND ocid IS NOT DISTINCT FROM ? "
            "AND foi_id IS NOT DISTINCT FROM ?", [sha, ocid, foi_id])
        if not exists:
            store.con.execute("INSERT INTO document_links VALUES (?, ?, ?, ?, ?)", [sha, ocid, foi_id, note, now])
    return get_document(store, sha)


def get_document(store, sha256: str) -> dict:
    """Return a document's row with its links (full text under ``text``)."""
    rows = store.rows("SELECT * EXCLUDE (text_folded) FROM archived_documents WHERE sha256 = ?", [sha256])
    if not rows:
        raise NotFoundError(f"no document {sha256}")
    row = rows[0]
    links = store.rows("SELECT ocid, foi_id, note FROM document_links WHERE sha256 = ? ORDER BY linked_at",
                       [sha256])
    row["ocids"] = sorted({link["ocid"] for link in links if link["ocid"]})
    row["foi_ids"] = sorted({link["foi_id"] for link in links if link["foi_id"]})
    row["archived_path"] = str(store.archive_path(sha256))
    return row


def list_documents(store, *, ocid: str | None = None, foi_id: str | None = None) -> list[dict]:
    """Return documents (without text), optionally only those linked to ``ocid`` or ``foi_id``."""
    sql = ("SELECT d.sha256, d.filename, d.media_type, d.size, d.pages, d.extracted_with, d.classifier_note, "
           "d.added_at, list(DISTINCT l.ocid) FILTER (WHERE l.ocid IS NOT NULL) AS ocids, "
           "list(DISTINCT l.foi_id) FILTER (WHERE l.foi_id IS NOT NULL) AS foi_ids "
           "FROM archived_documents d LEFT JOIN document_links l USING (sha256) ")
    where, params = [], []
    if ocid:
        where.append("d.sha256 IN (SELECT sha256 FROM document_links WHERE ocid = ?)")
        params.append(ocid)
    if foi_id:
        where.append("d.sha256 IN (SELECT sha256 FROM document_links WHERE foi_id = ?)")
        params.append(foi_id)
    if where:
        sql += "WHERE " + " AND ".join(where) + " "
    sql += "GROUP BY ALL ORDER BY d.added_at, d.filename"
    return store.rows(sql, params)


def search_documents(store, query: str, *, limit: int = 20, context: int = 60) -> list[dict]:
    """Find documents whose text holds every word of ``query`` (folded); return each with a snippet around
    the first word's first occurrence, in the document's own script."""
    words = [w for w in fold(query).split() if w]
    if not words:
        raise InputError("the search needs at least one word")
    # Folding keeps lengths for most letters but not for đ -> dj or ligatures, so the snippet is cut from
    # the folded text: readable and always aligned with the match.
    conds = " AND ".join("strpos(text_folded, ?) > 0" for _ in words)
    rows = store.rows(
        f"SELECT sha256, filename, text_folded FROM archived_documents WHERE {conds} ORDER BY added_at LIMIT ?",
        [*words, limit])
    out = []
    for row in rows:
        text = row.pop("text_folded")
        pos = text.find(words[0])
        start = max(0, pos - context)
        snippet = ("…" if start else "") + " ".join(text[start:pos + len(words[0]) + context].split()) + \
            ("…" if pos + len(words[0]) + context < len(text) else "")
        links = store.rows("SELECT DISTINCT ocid FROM document_links WHERE sha256 = ? AND ocid IS NOT NULL",
                           [row["sha256"]])
        out.append({**row, "snippet": snippet, "ocids": [link["ocid"] for link in links]})
    return out


def add_documents(store, paths, *, ocid: str | None = None, note: str | None = None) -> list[dict]:
    """Add several documents (one transaction each); return their rows without the full text."""
    out = []
    for path in paths:
        with store.transaction():
            row = add_document(store, path, ocid=ocid, note=note)
        row.pop("text", None)
        out.append(row)
    return out
