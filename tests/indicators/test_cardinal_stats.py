import math

from nadzor.indicators.cardinal import stats


def test_quantile_is_type_8_not_type_7():
    assert math.isclose(stats.quantile([1, 2, 3, 4], 0.25), 1.4166666666666667)
    assert math.isclose(stats.quantile([4, 3, 2, 1], 0.75), 3.5833333333333335)


def test_quantile_of_two_values_is_min_and_max_and_empty_is_nan():
    assert stats.quantile([5.0, 7.0], 0.25) == 5.0
    assert stats.quantile([5.0, 7.0], 0.75) == 7.0
    assert math.isnan(stats.quantile([], 0.5))


def test_fma_rounds_once():
    # 0.1 * 10 - 1 is 0 with two roundings but 2^-54 (about 5.55e-17) with one.
    assert 0.1 * 10.0 - 1.0 == 0.0
    assert stats.fma(0.1, 10.0, -1.0) == 5.551115123125783e-17


def test_round4_is_half_away_from_zero_and_nan_is_null():
    assert stats.round4(0.00005) == 0.0001
    assert stats.round4(-0.00005) == -0.0001
    assert stats.round4(2.5e-4 * 1) == 0.0003
    assert stats.round4(float("nan")) is None
    assert stats.round4(float("inf")) is None
