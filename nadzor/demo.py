"""`make demo` / `nadzor demo`: ingest the bundled samples, run every analysis step, say what happened and where
to look, then serve the web app when it is installed."""

from __future__ import annotations

from pathlib import Path

__all__ = ["example_paths", "run_demo"]


def example_paths() -> list[Path]:
    """Return the bundled example folders (real OCDS samples, then fictional demonstration data if present)."""
    root = Path(__file__).resolve().parent.parent / "examples"
    return [p for p in (root / "ocds", root / "fictional") if p.exists()]


def run_demo(store, *, say=print) -> dict:
    """Ingest the examples and analyse them; return a summary for the CLI to print."""
    from nadzor.analysis.run import analyze
    from nadzor.evidence.provenance import store_stats
    from nadzor.ingest.ocds import ingest_paths

    paths = example_paths()
    if not paths:
        from nadzor.exceptions import InputError

        raise InputError("the bundled examples/ folder is missing: run the demo from a clone of the repository")
    say(f"ingesting {', '.join(str(p) for p in paths)} ...")
    report = ingest_paths(store, [str(p) for p in paths])
    say(f"  {report.sources} new file(s), {report.releases} release(s), {report.processes_updated} process(es) "
        f"built, {report.quarantined} item(s) quarantined")
    say("analysing ...")
    results = analyze(store, on_step=lambda n: say(f"  step: {n}"))
    return {"ingest": report, "analysis": results, "stats": store_stats(store)}
