"""Small-count suppression: the configured k, primary and secondary suppression, fixed periods."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.privacy import (SECONDARY_MARK, PrivacyConfigError, aggregate_to_period, available_periods,
                              small_count_k, suppress_count, suppress_table)


# --- configuration ---------------------------------------------------------------------------------------------
def test_k_defaults_to_five(monkeypatch):
    monkeypatch.delenv("QORGAU_SMALL_COUNT_K", raising=False)
    assert small_count_k() == 5
    assert suppress_count(4) == "<5"


def test_k_from_environment(monkeypatch):
    monkeypatch.setenv("QORGAU_SMALL_COUNT_K", "10")
    assert small_count_k() == 10
    assert suppress_count(9) == "<10" and suppress_count(10) == "10"


@pytest.mark.parametrize("value", ["2", "0", "-5", "five", "4.5"])
def test_k_below_three_or_not_a_number_is_refused(monkeypatch, value):
    monkeypatch.setenv("QORGAU_SMALL_COUNT_K", value)
    with pytest.raises(PrivacyConfigError, match="at least 3"):
        small_count_k()
    with pytest.raises(PrivacyConfigError):
        suppress_count(1)


@pytest.mark.parametrize("k", [0, 1, 2, True])
def test_explicit_k_below_three_is_refused(k):
    with pytest.raises(PrivacyConfigError):
        suppress_count(1, k=k)


def test_suppress_count_values():
    assert [suppress_count(n, k=5) for n in (0, 1, 4, 5, 123)] == ["0", "<5", "<5", "5", "123"]
    for bad in (-1, 2.5, float("nan"), None):
        with pytest.raises(ValueError):
            suppress_count(bad, k=5)


# --- secondary suppression -------------------------------------------------------------------------------------
def test_one_hidden_village_hides_the_next_smallest():
    frame = pd.DataFrame({"district": ["A"] * 4, "n": [30, 2, 12, 7]})
    table = suppress_table(frame, "district", "n", k=5)
    assert table.cells.tolist() == ["30", "<5", "12", SECONDARY_MARK]
    assert table.totals.to_dict() == {"A": "51"}


def test_total_is_hidden_when_no_other_cell_can_protect():
    # 1 + 5 = 6: with the total shown, hiding the 5 still gives the 1 away (the 5 is at least k=5).
    table = suppress_table(pd.DataFrame({"d": ["A", "A"], "n": [1, 5]}), "d", "n", k=5)
    assert table.cells.tolist() == ["<5", SECONDARY_MARK]
    assert table.totals["A"] == SECONDARY_MARK


def test_small_total_of_ones_is_hidden():
    # four villages with 1 each, total 4 shown as "<5": each must be 1. The total has to go.
    table = suppress_table(pd.DataFrame({"d": ["A"] * 4, "n": [1, 1, 1, 1]}), "d", "n", k=5)
    assert table.totals["A"] == SECONDARY_MARK


def test_given_totals_and_no_totals():
    frame = pd.DataFrame({"d": ["A", "A", "B"], "n": [3, 20, 9]})
    assert suppress_table(frame, "d", "n", total=None, k=5).cells.tolist() == ["<5", "20", "9"]
    given_totals = suppress_table(frame, "d", "n", total={"A": 40, "B": 9}, k=5)
    assert given_totals.totals.to_dict() == {"A": "40", "B": "9"}
    assert given_totals.cells.tolist() == ["<5", SECONDARY_MARK, "9"]
    with pytest.raises(ValueError, match="below the sum"):
        suppress_table(frame, "d", "n", total={"A": 10, "B": 9}, k=5)
    with pytest.raises(ValueError):
        suppress_table(pd.DataFrame({"d": ["A"], "n": [-1]}), "d", "n", k=5)


def test_input_frame_is_not_modified():
    frame = pd.DataFrame({"d": ["A", "A"], "n": [2, 9]})
    before = frame.copy()
    suppress_table(frame, "d", "n", k=5)
    pd.testing.assert_frame_equal(frame, before)


def _possible_values(display: list[str], total_display: str, k: int, known_rest: int) -> dict[int, set[int]]:
    """Brute force: every value each hidden cell can take given what a reader sees (independent of the module's
    interval arithmetic): "<k" is 1..k-1, "x" is k..(smallest non-zero shown cell), the total is exact or 1..k-1."""
    shown = [int(d) for d in display if d not in (f"<{k}", SECONDARY_MARK)]
    hidden = [i for i, d in enumerate(display) if d in (f"<{k}", SECONDARY_MARK)]
    totals = range(1, k) if total_display == f"<{k}" else [int(total_display)]
    ceiling = min([v for v in shown if v > 0] or [max(totals)])
    boxes = {i: range(1, k) if display[i] == f"<{k}" else range(k, ceiling + 1) for i in hidden}
    result = {}
    for i in hidden:
        sums = {0}  # sums the other hidden cells can reach
        for j in hidden:
            if j != i:
                sums = {s + v for s in sums for v in boxes[j] if s + v <= max(totals)}
        result[i] = {v for v in boxes[i] for t in totals if t - sum(shown) - known_rest - v in sums}
    return result


groups = st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=6), min_size=1, max_size=4)


@settings(max_examples=400, deadline=None)
@given(groups=groups, k=st.integers(3, 10), extra=st.lists(st.integers(0, 6), min_size=4, max_size=4),
       given_totals=st.booleans())
def test_no_shown_cell_is_small_and_no_hidden_cell_is_recoverable(groups, k, extra, given_totals):
    frame = pd.DataFrame([(f"g{g}", n) for g, cells in enumerate(groups) for n in cells], columns=["g", "n"])
    total = {f"g{g}": sum(c) + extra[g] for g, c in enumerate(groups)} if given_totals else "sum"
    table = suppress_table(frame, "g", "n", total=total, k=k)
    shown = [v for v in list(table.cells) + list(table.totals) if v not in (f"<{k}", SECONDARY_MARK)]
    assert all(int(v) == 0 or int(v) >= k for v in shown)  # primary rule, cells and totals
    for g, cells in enumerate(groups):
        display = list(table.cells[frame["g"] == f"g{g}"])
        assert table.cells[frame["g"] == f"g{g}"].tolist() == [
            d if d in (f"<{k}", SECONDARY_MARK) else str(n) for d, n in zip(display, cells)]
        total_display = table.totals[f"g{g}"]
        if total_display == SECONDARY_MARK:
            continue
        hidden = [d for d in display if d in (f"<{k}", SECONDARY_MARK)]
        if total_display != f"<{k}":
            assert len(hidden) != 1, "one hidden cell = total minus the shown cells"
        known_rest = extra[g] if given_totals else 0
        for position, values in _possible_values(display, total_display, k, known_rest).items():
            assert cells[position] in values
            assert len(values) >= 2, f"cell {position} of {cells} is recoverable from {display} / {total_display}"


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 10_000), k=st.integers(3, 20))
def test_primary_rule(n, k):
    shown = suppress_count(n, k=k)
    assert shown == (f"<{k}" if 1 <= n < k else str(n))


# --- fixed periods ---------------------------------------------------------------------------------------------
def _counts(rows):
    return pd.DataFrame(rows, columns=["settlement_id", "district_id", "period", "count", "synthetic"])


def test_available_periods_years_and_halves():
    counts = _counts([("s1", "d1", "2023-H1", 3, False), ("s1", "d1", "2023-H2", 4, False),
                      ("s2", "d1", "2022", 9, False), ("s2", "d2", "2022-H1", 1, False)])
    # 2022 has a whole-year record, so its halves cannot be offered.
    assert available_periods(counts) == ["2023", "2023-H2", "2023-H1", "2022"]


def test_aggregate_to_period():
    counts = _counts([("s1", "d1", "2023-H1", 3, False), ("s1", "d1", "2023-H2", 4, False),
                      ("s2", "d1", "2023-H1", 6, False), (None, "d2", "2023", 8, False)])
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
