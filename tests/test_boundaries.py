"""The boundaries of the core rules, pinned: a village at exactly 30 and 60 minutes, exactly at a mobile team's
reach, a count of exactly k, every factor of the speed profile by value, the p-median swap pass by a case it
improves, and released values that are unbiased.

These are the tests ``tools/mutate.py`` runs first against a mutated rule (``<=`` turned into ``<``, a factor
changed by one): each one fails when a boundary moves.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import TEST_SECRET, release_of

from geo import speeds
from geo.speeds import ADJUSTMENTS, DEFAULT_PROFILE, SpeedProfile, parse_maxspeed
from planning.coverage import coverage, gaps, hex_gaps, is_beyond, is_within, nearest
from planning.privacy import PrivacyConfigError, aggregate_to_period, available_periods, check_k, small_count_k
from planning.release import (
    CELL_NOISE,
    KEY_MODULUS,
    UNIT_NOISE,
    cell_noise,
    counts_behind,
    is_shown,
    protected_count,
    release_for,
    scaled_text,
    shown_text,
    shown_value,
    unit_draws,
)
from planning.siting import maximal_coverage, p_median, set_cover

INF = np.inf
STEP = 1e-6
"""Minutes just past a threshold."""


# --------------------------------------------------------------------------------------------------------------
# covered: minutes <= T, at exactly 30 and 60 minutes
# --------------------------------------------------------------------------------------------------------------
# four villages: exactly 30, just past 30, exactly 60, just past 60 minutes from the one site
AT_THRESHOLDS = np.array([[30.0, 30.0 + STEP, 60.0, 60.0 + STEP]])
PEOPLE = np.array([100.0, 20.0, 3.0, 1.0])


def _villages() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "settlement_id": ["at30", "past30", "at60", "past60"],
            "name": ["Otyz", "Otyz-bir", "Alpys", "Alpys-bir"],
            "district_id": ["D1", "D1", "D2", "D2"],
            "population": PEOPLE,
        },
        geometry=gpd.points_from_xy([68.0, 68.5, 69.0, 69.5], [42.0, 42.5, 43.0, 43.5]),
        crs="EPSG:4326",
    )


def test_the_rule_is_inclusive_at_each_threshold():
    minutes = AT_THRESHOLDS[0]
    assert is_within(minutes, 30.0).tolist() == [True, False, False, False]
    assert is_within(minutes, 60.0).tolist() == [True, True, True, False]
    assert is_beyond(minutes, 30.0).tolist() == [False, True, True, True]
    assert is_beyond(minutes, 60.0).tolist() == [False, False, False, True]
    assert not is_within(np.array([INF]), 1e9)[0]
    # broadcast: one threshold per draw
    assert is_within(np.array([[30.0]]), np.array([[30.0], [29.0]])).tolist() == [[True], [False]]


def test_a_village_at_exactly_the_threshold_counts_as_covered():
    near = nearest(AT_THRESHOLDS)
    cov = coverage(near.minutes, PEOPLE, np.array([0, 0, 0, 0]), ["D1", "D1", "D2", "D2"], thresholds=(30, 60))
    at30, at60 = cov.region.within["30"], cov.region.within["60"]
    assert (at30.settlements_covered, at30.population_covered) == (1, 100.0)
    assert (at60.settlements_covered, at60.population_covered) == (3, 123.0)
    assert at30.settlements_total == at60.settlements_total == 4
    assert cov.districts["D2"].within["60"].settlements_covered == 1
    assert cov.covered(30).tolist() == [True, False, False, False]
    assert cov.covered(60).tolist() == [True, True, True, False]


def test_the_gap_lists_leave_out_a_village_at_exactly_the_threshold():
    villages = _villages()
    minutes = AT_THRESHOLDS[0]
    sites = ["site"] * 4
    assert gaps(villages, minutes, sites, None, threshold_minutes=30)["settlement_id"].tolist() == [
        "past30",
        "at60",
        "past60",
    ]
    assert gaps(villages, minutes, sites, None, threshold_minutes=60)["settlement_id"].tolist() == ["past60"]
    hexes = hex_gaps(villages, minutes, PEOPLE, threshold_minutes=60)
    assert float(hexes["unserved_population"].sum()) == 1.0 and int(hexes["settlements_unserved"].sum()) == 1
    at30 = hex_gaps(villages, minutes, PEOPLE, threshold_minutes=30)
    assert float(at30["unserved_population"].sum()) == 24.0 and int(at30["settlements_unserved"].sum()) == 3


def test_a_village_at_exactly_the_mobile_reach_is_served_by_the_team():
    # a mobile team with a 25-minute reach; a permanent site 50 minutes away from both villages
    minutes = np.array([[25.0, 25.0 + STEP], [50.0, 50.0]])
    near = nearest(minutes, reach_minutes=np.array([25.0, np.nan]))
    assert near.minutes.tolist() == [25.0, 50.0]
    assert near.site_index.tolist() == [0, 1]


def test_siting_counts_a_village_at_exactly_the_threshold_as_covered():
    # one candidate exactly at 30 minutes of village a, the other just past 30 of the heavier village b
    minutes = np.array([[30.0, INF], [INF, 30.0 + STEP]])
    result = maximal_coverage(minutes, np.array([1.0, 5.0]), add=1, threshold_minutes=30)
    assert result.chosen == (0,)
    assert result.objective == 1.0
    assert set_cover(np.array([[30.0, 30.0]]), np.array([1.0, 1.0]), threshold_minutes=30).chosen == (0,)
    # an existing site at exactly 30 already covers a: nothing is left to add for it
    existing = np.array([[30.0, INF]])
    demand = np.array([7.0, 2.0])
    fixed = maximal_coverage(np.array([[INF, 10.0]]), demand, add=1, threshold_minutes=30, fixed_minutes=existing)
    assert fixed.objective == 9.0


# --------------------------------------------------------------------------------------------------------------
# shown: a released count of exactly k is shown, k - 1 is "<k"
# --------------------------------------------------------------------------------------------------------------
def _key_with_noise(noise: int) -> int:
    """A cell key whose :data:`CELL_NOISE` is ``noise`` (the middle of its band)."""
    lower = 0.0
    for limit, value in CELL_NOISE:
        if value == noise:
            return int((lower + limit) / 2 * KEY_MODULUS)
        lower = limit
    raise AssertionError(noise)


def test_a_cell_of_exactly_k_is_shown_and_k_minus_one_is_hidden():
    quiet = _key_with_noise(0)
    assert is_shown(5, 5) and not is_shown(4, 5) and is_shown(6, 5)
    assert shown_value(5, quiet, has_records=True, k=5) == 5
    assert shown_value(4, quiet, has_records=True, k=5) is None
    assert shown_value(3, _key_with_noise(2), has_records=True, k=5) == 5
    assert shown_value(6, _key_with_noise(-2), has_records=True, k=5) is None
    assert shown_value(0, quiet, has_records=False, k=5) == 0
    assert shown_value(1, _key_with_noise(-2), has_records=True, k=5) is None  # below 0 is hidden, not negative
    assert shown_text(None, 5) == "<5" and shown_text(5, 5) == "5" and shown_text(0, 5) == "0"
    assert scaled_text(None, 2.0, 5) == "<10" and scaled_text(6, 1.5, 5) == "9"


def test_the_noise_tables_at_their_limits():
    assert [protected_count(1, d) for d in (0.0, 0.5, 0.99)] == [1, 1, 1]
    assert protected_count(0, 0.99) == 0
    assert [protected_count(2, d) for d in (0.0, 0.2499, 0.25, 0.7499, 0.75, 0.9999)] == [1, 1, 2, 2, 3, 3]
    assert [protected_count(10, d) for d in (0.1, 0.5, 0.8)] == [9, 10, 11]
    shares = [0.0, 0.0999, 0.1, 0.2999, 0.3, 0.6999, 0.7, 0.8999, 0.9, 0.9999]
    assert [cell_noise(math.ceil(s * KEY_MODULUS)) for s in shares] == [-2, -2, -1, -1, 0, 0, 1, 1, 2, 2]
    assert cell_noise(KEY_MODULUS + KEY_MODULUS // 2) == 0  # keys wrap modulo 2**32
    assert counts_behind(0) == () and counts_behind(-1) == ()
    assert counts_behind(1) == (1, 2)
    assert counts_behind(2) == (2, 3)
    assert counts_behind(3) == (2, 3, 4)
    assert counts_behind(10) == (9, 10, 11)


def test_the_draws_of_a_unit_are_pinned():
    # A changed derivation would change every published figure at once, and a reader who kept the old ones could
    # difference the two versions: the draws of a unit are part of the release, pinned by value.
    draws, keys = unit_draws(
        b"pinned secret of the tests, 32+ chars", "turkistan", [("s1", "", "2023"), ("", "D2", "2023-H1")]
    )
    assert draws.tolist() == [0.6603074662172714, 0.3929094440449754]
    assert keys.tolist() == [2189052858, 1308558579]
    assert KEY_MODULUS == 2**32
    assert cell_noise(2**31) == 0 and cell_noise(2**32 - 1) == 2 and cell_noise(2**32) == -2


def test_a_settlement_with_exactly_k_protected_and_a_quiet_key_is_shown_in_a_release():
    release = release_of([5, 4, 30, 0])
    quiet = _key_with_noise(0)
    texts = release.settlement_texts()
    for i, count in enumerate([5, 4, 30]):
        expected = shown_value(int(release.protected[i]), int(release.keys[i]), has_records=True, k=5)
        assert texts[i] == shown_text(expected, 5)
        assert abs(int(release.protected[i]) - count) <= 1
    assert texts[3] == "0"
    assert release.value([3]) == 0
    assert release.counts.tolist() == [5, 4, 30, 0]
    assert shown_value(int(release.protected[2]), quiet, has_records=True, k=5) == int(release.protected[2])


def test_released_values_are_unbiased():
    # 20 000 units of 2 to 40 records: the unit noise averages to 0 (each of -1 and +1 a quarter), and so does the
    # cell noise over keys; a bias of 0.03 per value would stand 6 standard errors out
    rng = np.random.default_rng(22)
    n = 20_000
    counts = rng.integers(2, 41, size=n)
    ids = [f"v{i}" for i in range(n)]
    frame = pd.DataFrame({"settlement_id": ids, "district_id": None, "period": "2023", "count": counts})
    release = release_for(frame, ids, scope="bias", secret=TEST_SECRET, k=5)
    noise = release.protected - counts
    assert set(np.unique(noise)) == {-1, 0, 1}
    assert abs(float(noise.mean())) < 0.03
    assert abs(float((noise == -1).mean()) - 0.25) < 0.02 and abs(float((noise == 1).mean()) - 0.25) < 0.02
    shown = release.settlement_values()
    assert not np.isnan(shown[counts >= 8]).any()  # 8 - 1 - 2 >= k: always shown
    assert abs(float(np.nanmean(shown[counts >= 8] - counts[counts >= 8]))) < 0.05
    keys = (np.arange(10_000) * (KEY_MODULUS // 10_000)).tolist()
    noises = np.array([cell_noise(key) for key in keys])
    assert abs(float(noises.mean())) < 0.002
    assert [round(float((noises == v).mean()), 2) for v in (-2, -1, 0, 1, 2)] == [0.1, 0.2, 0.4, 0.2, 0.1]
    assert [noise for _, noise in UNIT_NOISE] == [-1, 0, 1]


def test_the_small_count_threshold_k(monkeypatch):
    monkeypatch.delenv("QORGAU_SMALL_COUNT_K", raising=False)
    assert small_count_k() == 5
    monkeypatch.setenv("QORGAU_SMALL_COUNT_K", " 3 ")
    assert small_count_k() == 3
    for bad in ("2", "x", "3.5"):
        monkeypatch.setenv("QORGAU_SMALL_COUNT_K", bad)
        with pytest.raises(PrivacyConfigError):
            small_count_k()
    assert check_k(3) == 3 and check_k(np.int64(7)) == 7
    for bad_k in (2, True, 4.0, "5"):
        with pytest.raises(PrivacyConfigError):
            check_k(bad_k)


# --------------------------------------------------------------------------------------------------------------
# the speed profile, every factor by value
# --------------------------------------------------------------------------------------------------------------
CLASS_SPEEDS_KMH = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 45.0,
    "secondary": 65.0,
    "secondary_link": 40.0,
    "tertiary": 50.0,
    "tertiary_link": 35.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 15.0,
    "service": 20.0,
    "track": 25.0,
    "road": 30.0,
}


def test_every_class_speed_by_value():
    assert dict(DEFAULT_PROFILE.speeds_kmh) == CLASS_SPEEDS_KMH
    for road_class, kmh in CLASS_SPEEDS_KMH.items():
        surface = "asphalt" if road_class == "track" else None
        assert DEFAULT_PROFILE.speed_kmh(road_class, surface=surface) == kmh, road_class
    assert DEFAULT_PROFILE.speed_kmh("footway") == speeds.FALLBACK_SPEED_KMH == 30.0
    assert not DEFAULT_PROFILE.drives("footway") and DEFAULT_PROFILE.drives(["primary", "secondary"])


def test_the_unpaved_factor_by_value():
    assert DEFAULT_PROFILE.unpaved_factor == 0.6
    assert DEFAULT_PROFILE.speed_kmh("primary", surface="gravel") == pytest.approx(80.0 * 0.6)
    assert DEFAULT_PROFILE.speed_kmh("track") == pytest.approx(25.0 * 0.6)  # a track without a surface is unpaved
    assert DEFAULT_PROFILE.speed_kmh("track", surface="asphalt") == 25.0
    assert DEFAULT_PROFILE.speed_kmh("primary", surface=["dirt", "asphalt"]) == pytest.approx(48.0)
    for surface in speeds.UNPAVED_SURFACES:
        assert DEFAULT_PROFILE.speed_kmh("secondary", surface=surface) == pytest.approx(65.0 * 0.6), surface


def test_the_winter_and_mud_factors_by_value():
    winter = DEFAULT_PROFILE.with_adjustments("winter")
    assert dict(ADJUSTMENTS["winter"].class_factors) == {
        "tertiary": 0.8,
        "tertiary_link": 0.8,
        "unclassified": 0.8,
        "track": 0.7,
    }
    assert ADJUSTMENTS["winter"].unpaved_factor == 0.7 and ADJUSTMENTS["spring_mud"].unpaved_factor == 0.5
    assert winter.speed_kmh("tertiary") == pytest.approx(50.0 * 0.8)
    assert winter.speed_kmh("tertiary_link") == pytest.approx(35.0 * 0.8)
    assert winter.speed_kmh("unclassified") == pytest.approx(40.0 * 0.8)
    assert winter.speed_kmh("primary") == 80.0
    assert winter.speed_kmh("tertiary", surface="gravel") == pytest.approx(50.0 * 0.6 * 0.8 * 0.7)
    assert winter.speed_kmh("track") == pytest.approx(25.0 * 0.6 * 0.7 * 0.7)
    mud = DEFAULT_PROFILE.with_adjustments("spring_mud")
    assert mud.speed_kmh("tertiary") == 50.0
    assert mud.speed_kmh("tertiary", surface="dirt") == pytest.approx(50.0 * 0.6 * 0.5)
    both = winter.with_adjustments("spring_mud", "winter")
    assert both.adjustments == ("winter", "spring_mud")
    assert both.speed_kmh("track") == pytest.approx(25.0 * 0.6 * 0.7 * 0.7 * 0.5)


def test_maxspeed_units_and_limits_by_value():
    assert parse_maxspeed("60") == 60.0 and parse_maxspeed("62,5 km/h") == 62.5
    assert parse_maxspeed("30 mph") == pytest.approx(30 * 1.609344)
    assert parse_maxspeed("10 knots") == pytest.approx(18.52)
    assert parse_maxspeed("walk") == 5.0
    assert parse_maxspeed("RU:rural") == 90.0 and parse_maxspeed("kz:rural") == 110.0
    assert parse_maxspeed("KZ:urban") == 60.0 and parse_maxspeed("ru:motorway") == 110.0
    assert parse_maxspeed("kz:motorway") == 140.0 and parse_maxspeed("ru:living_street") == 20.0
    zones = {
        "ru:urban": 60.0,
        "ru:rural": 90.0,
        "ru:motorway": 110.0,
        "ru:living_street": 20.0,
        "kz:urban": 60.0,
        "kz:rural": 110.0,
        "kz:motorway": 140.0,
        "kz:living_street": 20.0,
    }
    assert speeds.ZONE_SPEEDS_KMH == zones
    assert {zone: parse_maxspeed(zone.upper()) for zone in zones} == zones
    assert parse_maxspeed("RU:zone30") == 30.0 and parse_maxspeed("ru:zone:40") == 40.0
    assert parse_maxspeed("1") == 1.0 and parse_maxspeed("200") == 200.0  # the limits of the range are kept
    assert parse_maxspeed("0.9") is None and parse_maxspeed("200.1") is None
    assert parse_maxspeed("60;80") == 60.0 and parse_maxspeed(["90", "70"]) == 70.0
    assert parse_maxspeed("none") is None and parse_maxspeed(None) is None and parse_maxspeed(60) is None
    assert DEFAULT_PROFILE.speed_kmh("primary", maxspeed="70") == 70.0
    assert DEFAULT_PROFILE.speed_kmh("primary", maxspeed="70", surface="gravel") == pytest.approx(42.0)
    no_tags = SpeedProfile(use_maxspeed=False)
    assert no_tags.speed_kmh("primary", maxspeed="70") == 80.0
    tracks = SpeedProfile(maxspeed_ignored=frozenset({"track"}))
    assert tracks.speed_kmh("track", maxspeed="90", surface="asphalt") == 25.0
    assert tracks.speed_kmh("primary", maxspeed="90") == 90.0


def test_a_profile_refuses_speeds_it_cannot_route_with():
    for bad in ({"primary": 0.0}, {"primary": -5.0}, {"primary": math.inf}):
        with pytest.raises(ValueError):
            SpeedProfile(speeds_kmh=bad)
    for factor in (0.0, 1.01):
        with pytest.raises(ValueError):
            SpeedProfile(unpaved_factor=factor)
    assert SpeedProfile(unpaved_factor=1.0).speed_kmh("track") == 25.0


# --------------------------------------------------------------------------------------------------------------
# the p-median swap pass, by a case it improves
# --------------------------------------------------------------------------------------------------------------
def test_the_swap_pass_improves_on_greedy():
    # two villages far apart; candidate 0 halfway (5 min to each), 1 at village a, 2 at village b. Greedy opens 0
    # first (10 weighted minutes against 20), then 1 (total 5); the swap replaces 0 by 2: total 0.
    minutes = np.array([[5.0, 5.0], [0.0, 20.0], [20.0, 0.0]])
    demand = np.array([1.0, 1.0])
    greedy = p_median(minutes, demand, add=2, swap=False)
    swapped = p_median(minutes, demand, add=2, swap=True)
    assert set(greedy.chosen) == {0, 1} and greedy.objective == pytest.approx(5.0)
    assert set(swapped.chosen) == {1, 2} and swapped.objective == pytest.approx(0.0)
    assert (greedy.solver, swapped.solver) == ("greedy", "greedy+swap")
    assert p_median(minutes, demand, add=2).solver == "greedy+swap"  # the swap pass is on by default
    assert p_median(minutes, demand, add=2, method="exact").objective == pytest.approx(0.0)


def test_a_half_year_takes_its_own_records_only():
    counts = pd.DataFrame(
        {
            "settlement_id": ["s1", "s1", "s2", None],
            "district_id": ["D1", "D1", "D2", "D2"],
            "period": ["2023-H1", "2023-H2", "2022", "2023-H1"],
            "count": [3, 4, 2, 6],
        }
    )
    assert available_periods(counts) == ["2023", "2023-H2", "2023-H1", "2022"]
    first = aggregate_to_period(counts, "2023-H1")
    assert first["count"].tolist() == [6, 3] and first["settlement_id"].tolist() == [None, "s1"]
    assert aggregate_to_period(counts, "2023")["count"].tolist() == [6, 7]
    assert aggregate_to_period(counts, "2022", level="district").to_dict("list") == {
        "district_id": ["D2"],
        "count": [2],
    }
    assert aggregate_to_period(counts, "2023", level="district")["count"].tolist() == [7, 6]


def test_a_secret_of_exactly_the_minimum_length_is_taken(monkeypatch):
    from planning.release import MIN_SECRET_CHARS, ReleaseConfigError, configured_secret

    assert MIN_SECRET_CHARS == 16
    monkeypatch.setenv("QORGAU_RELEASE_SECRET", " " + "s" * 16 + " ")
    assert configured_secret() == b"s" * 16
    monkeypatch.setenv("QORGAU_RELEASE_SECRET", "s" * 15)
    with pytest.raises(ReleaseConfigError):
        configured_secret()
    monkeypatch.setenv("QORGAU_RELEASE_SECRET", "  ")
    assert configured_secret() is None


def test_the_defaults_of_coverage_by_value():
    from planning.coverage import DEFAULT_HEX_RESOLUTION, DEFAULT_THRESHOLDS_MINUTES, NO_SITE_INDEX

    assert DEFAULT_THRESHOLDS_MINUTES == (30.0, 60.0) and DEFAULT_HEX_RESOLUTION == 6 and NO_SITE_INDEX == -1
    near = nearest(np.array([[10.0, INF]]))
    assert near.site_index.tolist() == [0, -1] and near.minutes.tolist() == [10.0, INF]
    assert nearest(np.empty((0, 2))).site_index.tolist() == [-1, -1]
    guessed = nearest(np.array([[10.0, INF]]), estimated=np.array([[True, True]]))
    assert guessed.estimated.tolist() == [True, False]  # nobody reaches the second: its time is no estimate
    with pytest.raises(AttributeError):  # a frozen record: nobody changes a result after the fact
        near.minutes = np.zeros(2)  # type: ignore[misc]
    cov = coverage(near.minutes, np.array([1.0, 2.0]), None, ["D1", "D1"])
    assert list(cov.region.within) == ["30", "60"]
    hexes = hex_gaps(_villages(), AT_THRESHOLDS[0], PEOPLE, threshold_minutes=30)
    import h3

    assert {h3.get_resolution(cell) for cell in hexes["h3_cell"]} == {6}


def test_the_greedy_bound_and_the_unserved_penalty_by_value():
    # greedy MCLP: the bound is the objective over 1 - 1/e (never above all demand)
    minutes = np.array([[10.0, INF, INF], [INF, 10.0, INF], [INF, INF, 10.0]])
    result = maximal_coverage(minutes, np.array([5.0, 4.0, 4.0]), add=1, threshold_minutes=30)
    assert result.chosen == (0,) and result.bound_kind == "greedy_guarantee"
    assert result.bound == pytest.approx(5.0 / (1.0 - 1.0 / math.e))  # 7.9, below the 13 of all demand
    # p-median: a settlement the chosen site does not reach costs twice the longest finite time (2 x 20 minutes)
    served = p_median(np.array([[10.0, INF], [INF, 20.0]]), np.array([1.0, 1.0]), add=1, swap=False)
    assert served.chosen == (0,) and served.objective == pytest.approx(10.0 + 2 * 20.0)
    assert served.unserved == (1,)
