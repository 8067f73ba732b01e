from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture
def store(tmp_path):
    from nadzor.store import Store

    s = Store.open(tmp_path / "t.duckdb")
    yield s
    s.close()


def shared_data(*parts) -> Path:
    """Path under ../shared/data; skips the test when the shared folder is absent (a user's clone)."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not present (needs ../shared)")
    return p
