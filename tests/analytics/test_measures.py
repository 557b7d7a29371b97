"""The analysts' measures (DOMAIN.md §10) against hand-computed values, weighted forms and edge cases."""

import math

import numpy as np
import pytest

from jingzhun.core.measures import alkire_foster, fgt, gini

INCOMES = [8, 5, 1, 3, 5, 6, 7, 6, 3]  # DOMAIN.md §10's example, line 4


@pytest.mark.parametrize(("alpha", "expected"), [(0, 1 / 3), (1, 0.1388888889), (2, 0.0763888889)])
def test_fgt_matches_the_worked_example(alpha, expected):
    assert fgt(INCOMES, 4, alpha) == pytest.approx(expected)


def test_gini_matches_the_worked_example():
    assert gini(INCOMES) == pytest.approx(0.2373737374)


def test_weights_count_like_repeated_persons():
    # a household of 3 at 1 and one of 1 at 5 are the persons [1, 1, 1, 5]
    assert fgt([1, 5], 4, 1, weights=[3, 1]) == pytest.approx(fgt([1, 1, 1, 5], 4, 1))
    assert gini([1, 5], weights=[3, 1]) == pytest.approx(gini([1, 1, 1, 5]))


def test_edges_empty_all_poor_nobody_poor_zero_incomes():
    assert math.isnan(fgt([], 4, 0)) and math.isnan(gini([]))
    assert fgt([1, 2, 3], 4, 0) == 1.0  # all poor
    assert fgt([4, 5], 4, 0) == 0.0  # nobody poor: exactly at the line is not below it
    assert fgt([0, 0], 4, 1) == 1.0 and fgt([0, 0], 4, 2) == 1.0  # zero incomes: the full gap
    assert gini([0, 0, 0]) == 0.0 and gini([0, 0, 10]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        fgt([1], 0, 0)


# Four households × three binary indicators (1 = not deprived, cutoff 1), equal weights, k = 1/3.
MATRIX = [[1, 0, 1], [0, 0, 1], [1, 1, 1], [0, 0, 0]]


def test_alkire_foster_hand_computed():
    r = alkire_foster(MATRIX, [1, 1, 1], [1, 1, 1], 1 / 3)
    assert list(r.poor) == [True, True, False, True]
    assert pytest.approx(3 / 4) == r.H
    assert pytest.approx((1 / 3 + 2 / 3 + 1) / 3) == r.A
    assert pytest.approx(0.5) == r.M0
    assert pytest.approx(0.5) == r.M1 and pytest.approx(0.5) == r.M2  # binary gaps are 1


def test_alkire_foster_k_and_weights_and_population():
    r = alkire_foster(MATRIX, [1, 1, 1], [2, 1, 1], 1 / 2)  # weights normalised to 1/2, 1/4, 1/4
    assert list(r.poor) == [False, True, False, True]  # scores 1/4, 3/4, 0, 1
    assert pytest.approx(1 / 2) == r.H and pytest.approx((3 / 4 + 1) / 2) == r.A
    weighted = alkire_foster(MATRIX, [1, 1, 1], [1, 1, 1], 1 / 3, population=[1, 1, 1, 5])
    assert pytest.approx(7 / 8) == weighted.H
    assert pytest.approx((1 / 3 + 2 / 3 + 5 * 1) / 8) == weighted.M0


def test_alkire_foster_cardinal_gaps_feed_m1_and_m2():
    # one income indicator (line 4) and one binary: incomes 1 and 3 deprived with gaps 3/4 and 1/4
    r = alkire_foster([[1, 0], [3, 1], [5, 1]], [4, 1], [1, 1], 1 / 2)
    assert list(r.poor) == [True, True, False]
    assert pytest.approx(((3 / 4 + 1) / 2 + (1 / 4) / 2) / 3) == r.M1
    assert pytest.approx((((3 / 4) ** 2 + 1) / 2 + (1 / 4) ** 2 / 2) / 3) == r.M2


def test_alkire_foster_edges():
    empty = alkire_foster(np.zeros((0, 2)), [1, 1], [1, 1], 0.5)
    assert math.isnan(empty.H) and math.isnan(empty.M0)
    nobody = alkire_foster([[1, 1], [1, 1]], [1, 1], [1, 1], 0.5)
    assert nobody.H == 0 and nobody.A == 0 and nobody.M0 == 0
    everybody = alkire_foster([[0, 0], [0, 0]], [1, 1], [1, 1], 0.5)
    assert everybody.H == 1 and everybody.A == 1 and everybody.M0 == 1
    with pytest.raises(ValueError):
        alkire_foster([[1, 1]], [1], [1, 1], 0.5)
    with pytest.raises(ValueError):
        alkire_foster([[1, 1]], [1, 1], [1, 1], 0)
