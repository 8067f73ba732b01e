"""The findings brief: statements with receipts, in HTML (standalone), Markdown (escaped) and PDF."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from web_sample import XSS, build_sample_store  # noqa: E402


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from nadzor.store import Store

    path = tmp_path_factory.mktemp("report") / "s.duckdb"
    with Store.open(path) as s:
        build_sample_store(s)
    s = Store.open(path, read_only=True)
    yield s
    s.close()


def test_statements_carry_their_receipts(sample):
    from nadzor.report.brief import build_brief

    b = build_brief(sample)
    first = b["statements"][0]
    assert first["text"] == "3 buyers made 6 surveillance purchases from 3 suppliers."
    assert len(first["receipts"]) == 6
    assert all(x["original_path"] == "samples/fictional.json" for x in first["receipts"])
    single = next(s for s in b["statements"] if "single bid" in s["text"])
    assert sorted(single["ocids"]) == ["ocds-test-0001", "ocds-test-0002", "ocds-test-0007"]
    nz = next(s for s in b["statements"] if "NZ01" in s["text"])
    assert nz["ocids"] == ["ocds-test-0001"]  # a buyer finding's receipts come from its evidence


def test_html_is_standalone_and_escaped(sample, tmp_path):
    from nadzor.report.brief import write_report

    html = write_report(sample, "html", tmp_path / "b.html").read_text(encoding="utf-8")
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "src=" not in html.split("<main>")[0]  # no external scripts: everything is inlined
    assert "not proof" in html


def test_markdown_escapes_markup(sample, tmp_path):
    from nadzor.report.brief import write_report

    md = write_report(sample, "md", tmp_path / "b.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "\\<script\\>" in md
    assert "| ocds-test-0001 |" in md


def test_pdf_without_chromium_is_a_clear_error(sample, tmp_path, monkeypatch):
    from nadzor.exceptions import NadzorError
    from nadzor.report import brief

    monkeypatch.setattr(brief, "CHROMIUM_CANDIDATES", ("no-such-browser",))
    with pytest.raises(NadzorError, match="PDF needs Chromium"):
        brief.write_report(sample, "pdf", tmp_path / "b.pdf")


@pytest.mark.browser
def test_pdf_is_printed_by_chromium(sample, tmp_path):
    if not shutil.which("chromium"):
        pytest.skip("chromium not installed")
    from nadzor.report.brief import write_report

    out = write_report(sample, "pdf", tmp_path / "b.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
