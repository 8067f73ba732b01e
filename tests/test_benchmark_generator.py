"""benchmarks/generate.py: deterministic, same bytes whatever the number of processes, realistic shape."""

import orjson

from benchmarks.generate import generate_lines, generate_releases, write_file


def test_generator_is_deterministic_for_a_seed():
    assert list(generate_lines(30, seed=3)) == list(generate_lines(30, seed=3))
    assert list(generate_lines(30, seed=3)) != list(generate_lines(30, seed=4))


def test_parallel_output_equals_sequential(tmp_path):
    one, two = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    write_file(120, str(one), seed=1, processes=1, chunk=50)
    write_file(120, str(two), seed=1, processes=2, chunk=50)
    assert one.read_bytes() == two.read_bytes() == b"".join(generate_lines(120, seed=1))


def test_releases_look_like_ocds_compiled_releases():
    lines = list(generate_lines(300, seed=0))
    average = sum(map(len, lines)) / len(lines)
    assert 2000 < average < 4000
    release = orjson.loads(lines[0])
    assert {"ocid", "parties", "buyer", "tender", "bids", "awards", "contracts"} <= set(release)
    assert release["parties"][0]["identifier"]["scheme"] == "RS-MB"
    methods = {r["tender"]["procurementMethod"] for r in generate_releases(300)}
    assert methods == {"open", "selective", "limited", "direct"}
