import pytest
from builders import Builder


@pytest.fixture
def build(store):
    return Builder(store)
