"""The configured small-count threshold k and the fixed periods (the release itself: tests/test_release.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from planning.privacy import PrivacyConfigError, aggregate_to_period, available_periods, check_k, small_count_k


# --- configuration ---------------------------------------------------------------------------------------------
def test_k_defaults_to_five(monkeypatch):
    monkeypatch.delenv("QORGAU_SMALL_COUNT_K", raising=False)
    assert small_count_k() == 5


def test_k_from_environment(monkeypatch):
    monkeypatch.setenv("QORGAU_SMALL_COUNT_K", "10")
    assert small_count_k() == 10


@pytest.mark.parametrize("value", ["2", "0", "-5", "five", "4.5"])
def test_k_below_three_or_not_a_number_is_refused(monkeypatch, value):
    monkeypatch.setenv("QORGAU_SMALL_COUNT_K", value)
    with pytest.raises(PrivacyConfigError, match="at least 3"):
        small_count_k()


@pytest.mark.parametrize("k", [0, 1, 2, True])
def test_explicit_k_below_three_is_refused(k):
    with pytest.raises(PrivacyConfigError):
        check_k(k)


# --- fixed periods ---------------------------------------------------------------------------------------------
def _counts(rows):
    return pd.DataFrame(rows, columns=["settlement_id", "district_id", "period", "count", "synthetic"])


def test_available_periods_years_and_halves():
    counts = _counts(
        [
            ("s1", "d1", "2023-H1", 3, False),
            ("s1", "d1", "2023-H2", 4, False),
            ("s2", "d1", "2022", 9, False),
            ("s2", "d2", "2022-H1", 1, False),
        ]
    )
    # 2022 has a whole-year record, so its halves cannot be offered.
    assert available_periods(counts) == ["2023", "2023-H2", "2023-H1", "2022"]


def test_aggregate_to_period():
    counts = _counts(
        [
            ("s1", "d1", "2023-H1", 3, False),
            ("s1", "d1", "2023-H2", 4, False),
            ("s2", "d1", "2023-H1", 6, False),
            (None, "d2", "2023", 8, False),
        ]
    )
    year = aggregate_to_period(counts, "2023")
    assert year.to_dict("records") == [
        {"settlement_id": None, "district_id": "d2", "count": 8},
        {"settlement_id": "s1", "district_id": "d1", "count": 7},
        {"settlement_id": "s2", "district_id": "d1", "count": 6},
    ]
    districts = aggregate_to_period(counts, "2023", level="district")
    assert dict(zip(districts["district_id"], districts["count"])) == {"d1": 13, "d2": 8}
    with pytest.raises(ValueError, match="fixed periods"):
        aggregate_to_period(counts, "2023-03-01..2023-05-01")
    with pytest.raises(ValueError, match="fixed periods"):
        aggregate_to_period(counts, "2023-H1")  # 2023 has a whole-year record: halves are not offered


def test_aggregate_keeps_input_unchanged():
    counts = _counts([("s1", "d1", "2023-H1", 3, False)])
    before = counts.copy()
    aggregate_to_period(counts, "2023-H1")
    pd.testing.assert_frame_equal(counts, before)
    assert math.isclose(aggregate_to_period(counts, "2023")["count"].sum(), 3)
