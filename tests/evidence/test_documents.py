"""Documents are generated in the tests: DOCX and XLSX with python-docx/openpyxl, a one-page PDF by hand."""

import pytest

from nadzor.evidence.documents import add_document, extract_text, list_documents, search_documents
from nadzor.exceptions import InputError


def _pdf(path, text):
    """Write a minimal valid one-page PDF with ``text`` (ASCII) in Helvetica."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _docx(path, text):
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Stavka"
    table.rows[0].cells[1].text = "IP kamera"
    d.save(path)
    return path


def _xlsx(path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Opis", "Količina"])
    wb.active.append(["Kamera za prepoznavanje tablica", 4])
    wb.save(path)
    return path


def test_text_is_extracted_from_pdf_docx_and_xlsx(tmp_path):
    assert "Odluka o dodeli ugovora" in extract_text(_pdf(tmp_path / "a.pdf", "Odluka o dodeli ugovora"))[0]
    text, _, how = extract_text(_docx(tmp_path / "b.docx", "Уговор о набавци камера"))
    assert "Уговор о набавци камера" in text and "IP kamera" in text and how == "python-docx"
    text, sheets, how = extract_text(_xlsx(tmp_path / "c.xlsx"))
    assert "Kamera za prepoznavanje tablica\t4" in text and sheets == 1


def test_broken_pdf_is_an_input_error(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"not a pdf at all")
    with pytest.raises(InputError, match="cannot read the text"):
        extract_text(bad)


def test_documents_are_archived_once_linked_and_searchable_across_scripts(store, tmp_path):
    doc = add_document(store, _docx(tmp_path / "ugovor.docx", "Уговор о набавци камера"), ocid="ocds-test-1")
    assert store.archive_path(doc["sha256"]).exists()
    again = add_document(store, tmp_path / "ugovor.docx", ocid="ocds-test-2")
    assert again["sha256"] == doc["sha256"]
    assert again["ocids"] == ["ocds-test-1", "ocds-test-2"]
    assert store.scalar("SELECT count(*) FROM archived_documents") == 1
    add_document(store, _pdf(tmp_path / "odluka.pdf", "Odluka: server i softver"), ocid="ocds-test-3")
    hits = search_documents(store, "kamera ugovor")
    assert [h["filename"] for h in hits] == ["ugovor.docx"]
    assert "kamera" in hits[0]["snippet"]
    assert search_documents(store, "SOFTVER")[0]["ocids"] == ["ocds-test-3"]
    assert search_documents(store, "dron") == []
    assert [d["filename"] for d in list_documents(store, ocid="ocds-test-3")] == ["odluka.pdf"]


def test_missing_classifier_is_recorded_not_fatal(store, tmp_path):
    doc = add_document(store, _pdf(tmp_path / "a.pdf", "Nabavka kamera"))
    assert doc["classification"] is not None or doc["classifier_note"]


def test_text_classifier_result_is_stored_without_the_echoed_text(store, tmp_path, monkeypatch):
    import nadzor.classify

    def fake(text):
        return {"text": text, "is_surveillance": "kamer" in text, "capabilities": ["video_surveillance"]}

    monkeypatch.setattr(nadzor.classify, "classify_text", fake, raising=False)
    doc = add_document(store, _pdf(tmp_path / "a.pdf", "Nabavka kamera"))
    import json

    stored = json.loads(doc["classification"])
    assert stored == {"is_surveillance": True, "capabilities": ["video_surveillance"]}
    assert doc["classifier_note"] is None
