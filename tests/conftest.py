from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True, scope="session")
def _sql_cache_folder(tmp_path_factory):
    """Keep the indicators' SQL cache (nadzor/indicators/cardinal/sqlcache.py) of the whole run in a temporary
    folder, not in the user's ~/.cache; CLI tests in subprocesses inherit it."""
    import os

    previous = os.environ.get("NADZOR_CACHE_DIR")
    os.environ["NADZOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("nadzor-cache"))
    yield
    if previous is None:
        os.environ.pop("NADZOR_CACHE_DIR", None)
    else:
        os.environ["NADZOR_CACHE_DIR"] = previous


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
