from nadzor.indicators.cardinal import INDICATOR_CODES
from nadzor.indicators.docs import stale_docs
from nadzor.indicators.registry import registered_indicators


def test_all_cardinal_indicators_are_registered_through_the_hook():
    registered = registered_indicators()
    assert set(INDICATOR_CODES) <= set(registered)
    for code in INDICATOR_CODES:
        d = registered[code]
        assert d.family == "cardinal" and d.why and d.methodology and d.sources


def test_generated_indicator_docs_are_up_to_date():
    stale = stale_docs(registered_indicators().values())
    assert not stale, f"run: python scripts/generate_indicator_docs.py (stale: {stale})"
