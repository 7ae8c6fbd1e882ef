"""The one protected release (planning.release): fixed noise per cell, nothing exact from differences, "<k"."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_SECRET, release_of
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.release import (
    CELL_NOISE,
    MAX_CELL_NOISE,
    MAX_UNIT_NOISE,
    UNIT_NOISE,
    ReleaseConfigError,
    cell_noise,
    counts_behind,
    protected_count,
    release_for,
    unit_draws,
)
from planning.store.release import ReleaseSecretStore, deployment_secret

K = 5


def _mean(table) -> float:
    limits = [0.0] + [limit for limit, _ in table]
    return sum((limits[i + 1] - limits[i]) * noise for i, (_, noise) in enumerate(table))


def test_noise_tables_are_unbiased_and_bounded():
    assert _mean(UNIT_NOISE) == pytest.approx(0.0) and _mean(CELL_NOISE) == pytest.approx(0.0)
    assert max(abs(n) for _, n in UNIT_NOISE) == MAX_UNIT_NOISE and max(abs(n) for _, n in CELL_NOISE) == MAX_CELL_NOISE
    assert protected_count(1, 0.0) == protected_count(1, 0.99) == 1  # a single record never moves
    assert {protected_count(7, d) for d in (0.1, 0.5, 0.9)} == {6, 7, 8}


def test_same_cell_same_noise_and_keys_depend_only_on_the_set():
    counts = [0, 3, 9, 12, 1, 40, 7, 2]
    first, again = release_of(counts), release_of(counts)
    for size in (1, 2, 3, 5, 8):
        for subset in itertools.combinations(range(len(counts)), size):
            mask = np.isin(np.arange(len(counts)), subset)
            assert first.text(mask) == again.text(mask) == first.text(list(reversed(subset)))
    other = release_for(
        pd.DataFrame(
            {"settlement_id": [f"s{i}" for i in range(8)], "district_id": None, "period": "2023", "count": counts}
        ),
        [f"s{i}" for i in range(8)],
        scope="test",
        secret=b"another deployment's secret!",
        k=K,
    )
    masks = [np.isin(np.arange(8), s) for r in (2, 3, 4) for s in itertools.combinations(range(8), r)]
    assert any(first.text(m) != other.text(m) for m in masks)  # the noise comes from the secret


def test_record_keys_do_not_depend_on_the_count():
    def frame(n):
        return pd.DataFrame({"settlement_id": ["a"], "district_id": [None], "period": ["2023-H1"], "count": [n]})

    keys = {int(release_for(frame(n), ["a"], scope="r", secret=TEST_SECRET, k=K).keys[0]) for n in (1, 2, 30)}
    assert len(keys) == 1
    draws_a, keys_a = unit_draws(TEST_SECRET, "r", [("a", "", "2023-H1")])
    draws_b, keys_b = unit_draws(TEST_SECRET, "other region", [("a", "", "2023-H1")])
    assert (draws_a[0], keys_a[0]) != (draws_b[0], keys_b[0])


def test_small_values_show_as_less_than_k_and_never_as_a_small_number():
    release = release_of([1, 2, 3, 4, 0, 1, 1, 250], k=K)
    texts = release.settlement_texts().tolist()
    assert texts[:2] == ["<5", "<5"] and texts[4] == "0" and texts[5:7] == ["<5", "<5"]
    assert texts[7].isdigit() and abs(int(texts[7]) - 250) <= MAX_UNIT_NOISE + MAX_CELL_NOISE
    for size in range(1, 9):
        for subset in itertools.combinations(range(8), size):
            text = release.text(list(subset))
            assert text == f"<{K}" or text == "0" or int(text) >= K
            assert (text == "0") == (release.counts[list(subset)].sum() == 0)  # 0 only where nothing is recorded


@settings(max_examples=300, deadline=None)
@given(count=st.integers(1, 500), draw=st.floats(0.0, 0.999999))
def test_a_protected_value_always_leaves_two_counts_possible(count, draw):
    protected = protected_count(count, draw)
    behind = counts_behind(protected)
    assert count in behind and len(behind) >= 2


def test_every_figure_is_a_function_of_protected_values_only():
    """Two worlds with different raw counts but the same protected values show exactly the same cells: raw counts
    reach no display, so no combination of displays can tell the worlds apart."""
    release = release_of([3, 0, 8, 2, 11, 1], k=K)
    other = dataclasses.replace(release, counts=release.counts + np.array([1, 0, -1, 1, 0, 1]))
    for size in range(1, 7):
        for subset in itertools.combinations(range(6), size):
            assert release.text(list(subset)) == other.text(list(subset))
    assert release.settlement_texts().tolist() == other.settlement_texts().tolist()


def test_differencing_two_cells_gives_a_protected_value_not_a_count():
    """Region minus district, 60 minus 30 minutes, scenario B minus A: the sets differ by one settlement, and the
    difference of the two cells is that settlement's protected value plus two cell noises."""
    rng = np.random.default_rng(7)
    for _ in range(40):
        counts = rng.integers(0, 30, size=12)
        counts[0] = rng.integers(1, K)
        release = release_of(counts, k=K)
        others = np.arange(1, 12)
        with_it, without = release.value(np.r_[0, others]), release.value(others)
        if with_it is None or without is None:
            continue
        difference = with_it - without
        assert abs(difference - int(release.protected[0])) <= 2 * MAX_CELL_NOISE
        assert len(counts_behind(int(release.protected[0]))) >= 2


def test_periods_share_unit_values():
    frame = pd.DataFrame(
        {
            "settlement_id": ["a", "a", "b"],
            "district_id": [None, None, None],
            "period": ["2023-H1", "2023-H2", "2023-H1"],
            "count": [4, 9, 2],
        }
    )

    def make(period):
        return release_for(frame, ["a", "b"], scope="r", secret=TEST_SECRET, k=K, period=period)

    year, h1, h2 = make("2023"), make("2023-H1"), make("2023-H2")
    assert (year.protected == h1.protected + h2.protected).all()
    assert ((year.keys - h1.keys - h2.keys) % 2**32 == 0).all()
    assert year.counts.tolist() == [13, 2]


def test_deployment_secret_from_the_database_or_the_environment(tmp_path, monkeypatch, db_at):
    monkeypatch.delenv("QORGAU_RELEASE_SECRET")
    path = db_at("db")
    first = deployment_secret(path)
    assert len(first) == 32 and deployment_secret(path) == first == ReleaseSecretStore(path).secret()
    assert deployment_secret(db_at("other")) != first
    monkeypatch.setenv("QORGAU_RELEASE_SECRET", "short")
    with pytest.raises(ReleaseConfigError, match="at least 16"):
        deployment_secret(path)
    monkeypatch.setenv("QORGAU_RELEASE_SECRET", "a configured secret of some length")
    assert deployment_secret(path) == b"a configured secret of some length"


def test_cell_noise_follows_the_table():
    assert [cell_noise(int(share * 2**32)) for share in (0.05, 0.2, 0.5, 0.8, 0.95)] == [-2, -1, 0, 1, 2]


def test_a_cell_with_the_district_only_records_is_the_sum_of_every_unit_protected_and_keyed():
    # records tied to a district only (no settlement) count in a region's or district's cell with_unplaced: that
    # cell is the same as any other cell of those units, worked out here unit by unit from the draws
    rng = np.random.default_rng(7)
    settlements = ["s1", "s2", "s3"]
    for case in range(40):
        rows = [
            ("s1", "D", "2023", int(rng.integers(1, 9)), "false"),
            ("s2", "D", "2023", int(rng.integers(1, 9)), "false"),
            ("", "D", "2023", int(rng.integers(1, 9)), "false"),  # district only
            ("", "E", "2023", int(rng.integers(1, 9)), "false"),  # another district only
        ]
        incidents = pd.DataFrame(rows, columns=["settlement_id", "district_id", "period", "count", "synthetic"])
        secret = f"secret-{case}".encode() * 4
        release = release_for(incidents, settlements, scope="r", secret=secret, k=5)
        # a unit is (settlement, "", period), or ("", district, period) for a record with no settlement
        draws, keys = unit_draws(secret, "r", [(s, "" if s else d, p) for s, d, p, _, _ in rows])
        protected = sum(protected_count(c, draw) for (_, _, _, c, _), draw in zip(rows, draws))
        expected = int(protected) + cell_noise(int(keys.sum()) % 2**32)
        assert release.value(with_unplaced=True) == (expected if expected >= 5 else None), case
        placed = sum(protected_count(c, draw) for (s, _, _, c, _), draw in zip(rows, draws) if s)
        expected_placed = int(placed) + cell_noise(int(keys[:2].sum()) % 2**32)
        assert release.value() == (expected_placed if expected_placed >= 5 else None), case


def test_district_only_records_alone_make_a_cell_with_records_and_text_leaves_them_out_by_default():
    columns = ["settlement_id", "district_id", "period", "count", "synthetic"]
    only_district = pd.DataFrame([("", "D", "2023", 40, "false")], columns=columns)
    release = release_for(only_district, ["s1", "s2"], scope="r", secret=TEST_SECRET, k=5)
    assert release.value() == 0 and release.text() == "0"  # no settlement has a record
    assert release.value(with_unplaced=True) not in (0, None)  # 40 records: a cell with records, shown (>= k)
    assert release.text(with_unplaced=True) == str(release.value(with_unplaced=True))
    nothing = release_for(only_district.iloc[:0], ["s1", "s2"], scope="r", secret=TEST_SECRET, k=5)
    assert nothing.value(with_unplaced=True) == 0 and nothing.value() == 0  # no record anywhere: 0, not "<k"
    placed = pd.DataFrame([("s1", "D", "2023", 40, "false")], columns=columns)
    alone = release_for(placed, ["s1", "s2"], scope="r", secret=TEST_SECRET, k=5)
    assert alone.value(with_unplaced=True) == alone.value()  # nothing unplaced adds nothing


def test_records_of_a_settlement_outside_the_region_reach_no_settlement_of_it():
    columns = ["settlement_id", "district_id", "period", "count", "synthetic"]
    incidents = pd.DataFrame([("elsewhere", "D", "2023", 12, "false")], columns=columns)
    release = release_for(incidents, ["s1", "s2"], scope="r", secret=TEST_SECRET, k=5)
    assert release.counts.tolist() == [0, 0] and not release.has_records.any()


def test_a_period_release_counts_only_that_period_and_refuses_one_that_is_not_offered():
    columns = ["settlement_id", "district_id", "period", "count", "synthetic"]
    incidents = pd.DataFrame(
        [("s1", "", "2023-H1", 7, "false"), ("s1", "", "2023-H2", 11, "false"), ("s2", "", "2024-H1", 13, "false")],
        columns=columns,
    )
    ids = ["s1", "s2"]
    assert release_for(incidents, ids, scope="r", secret=TEST_SECRET, k=5, period="2023-H1").counts.tolist() == [7, 0]
    assert release_for(incidents, ids, scope="r", secret=TEST_SECRET, k=5, period="2023").counts.tolist() == [18, 0]
    assert release_for(incidents, ids, scope="r", secret=TEST_SECRET, k=5).counts.tolist() == [18, 13]
    with pytest.raises(ValueError):
        release_for(incidents, ids, scope="r", secret=TEST_SECRET, k=5, period="2019")  # not offered: refused
    one = release_for(incidents.iloc[:1], ids, scope="r", secret=TEST_SECRET, k=5)  # a table of one record
    assert one.counts.tolist() == [7, 0] and one.has_records.tolist() == [True, False]


def test_a_release_shows_no_count_in_its_repr_cannot_be_changed_and_compares_by_identity():
    import dataclasses as dc

    from planning.release import IncidentRelease

    release = release_of([7, 13, 0])
    text = repr(release)
    assert not any(field in text for field in ("counts", "protected", "keys", "has_records", "unplaced"))
    assert "13" not in text  # a raw count never reaches a log or a traceback through repr
    with pytest.raises(dc.FrozenInstanceError):
        release.k = 3  # type: ignore[misc]
    assert release != release_of([7, 13, 0]) and release == release  # by identity (its arrays are not compared)
    bare = IncidentRelease(
        k=5,
        period=None,
        counts=release.counts,
        protected=release.protected,
        keys=release.keys,
        has_records=release.has_records,
    )
    assert bare.unplaced == (0, 0, False)


def test_without_district_only_records_the_unplaced_part_adds_nothing_to_any_cell():
    columns = ["settlement_id", "district_id", "period", "count", "synthetic"]
    for case in range(30):
        incidents = pd.DataFrame([("s1", "", "2023", 30 + case, "false")], columns=columns)
        release = release_for(incidents, ["s1", "s2"], scope="r", secret=f"s{case}".encode() * 8, k=5)
        assert release.value(with_unplaced=True) == release.value(), case


def test_a_record_of_zero_changes_no_cell_and_counts_behind_nothing_is_nothing():
    columns = ["settlement_id", "district_id", "period", "count", "synthetic"]
    base = [("s1", "", "2023", 9, "false"), ("s2", "", "2023", 6, "false")]
    for case in range(30):
        secret = f"z{case}".encode() * 8
        without = release_for(pd.DataFrame(base, columns=columns), ["s1", "s2", "s3"], scope="r", secret=secret, k=5)
        zero = pd.DataFrame([*base, ("s3", "", "2023", 0, "false")], columns=columns)
        with_zero = release_for(zero, ["s1", "s2", "s3"], scope="r", secret=secret, k=5)
        assert with_zero.value() == without.value() and not with_zero.has_records[2], case
    assert counts_behind(0) == () and counts_behind(-2) == ()
    assert 1 in counts_behind(1)  # a protected 1 can only come from a count of 1 or 2


def test_a_region_release_is_none_without_incidents_and_a_release_with_one(tiny_region):
    import dataclasses as dc

    from geo.region import load_region
    from planning.release import region_release

    region = load_region(tiny_region)
    assert region_release(region, secret=TEST_SECRET, k=5) is not None
    one = dc.replace(region, incidents=region.incidents.iloc[:1])
    assert region_release(one, secret=TEST_SECRET, k=5) is not None  # a single record is a release too
    none = dc.replace(region, incidents=region.incidents.iloc[:0])
    assert region_release(none, secret=TEST_SECRET, k=5) is None
