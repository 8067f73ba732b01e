import json
import subprocess
import sys


def run(*args, stdin=None):
    out = subprocess.run([sys.executable, "-m", "nadzor", *args], input=stdin, capture_output=True, text=True,
                         check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_classify_text_prints_one_json_object_per_text_in_order():
    rows = run("classify", "text", "Nabavka kamiona", "Набавка опреме за видео надзор")
    assert [r["text"] for r in rows] == ["Nabavka kamiona", "Набавка опреме за видео надзор"]
    assert set(rows[0]) == {"text", "is_surveillance", "capabilities", "vendors", "matches"}
    assert rows[0]["is_surveillance"] is False and rows[1]["is_surveillance"] is True
    m = rows[1]["matches"][0]
    assert set(m) == {"rule", "capability", "span", "matched"}
    assert rows[1]["text"][m["span"][0]:m["span"][1]] == m["matched"] == "видео надзор"


def test_classify_text_reads_one_text_per_line_from_stdin():
    rows = run("classify", "text", "-", stdin="IP kamere\nStručni nadzor\n\nDrón beszerzése\n")
    assert [r["is_surveillance"] for r in rows] == [True, False, False, True]
    assert rows[3]["capabilities"] == ["drone"]


def test_classify_capabilities_lists_the_ten_fixed_ids():
    rows = run("classify", "capabilities", "--format", "jsonl")
    assert [r["id"] for r in rows][:2] == ["video_surveillance", "facial_recognition"] and len(rows) == 10
    assert all(r["terms"] > 0 for r in rows)


def test_classify_store_prints_the_summary_with_or_without_a_progress_bar(tmp_path):
    db = str(tmp_path / "s.duckdb")
    for extra in ([], ["--quiet"]):
        out = subprocess.run([sys.executable, "-m", "nadzor", "--db", db, "classify", "store", *extra],
                             capture_output=True, text=True, check=True)
        assert json.loads(out.stdout)["processes"] == 0
