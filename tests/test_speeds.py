"""Speed profile and maxspeed parsing."""

import math

import pytest

from geo.speeds import ADJUSTMENTS, DEFAULT_PROFILE, SpeedProfile, parse_maxspeed


@pytest.mark.parametrize(
    ("text", "kmh"),
    [
        ("60", 60.0),
        ("60 km/h", 60.0),
        ("60kmh", 60.0),
        (" 90 kph ", 90.0),
        ("30 mph", 30 * 1.609344),
        ("RU:rural", 90.0),
        ("RU:urban", 60.0),
        ("ru:motorway", 110.0),
        ("KZ:rural", 110.0),
        ("KZ:urban", 60.0),
        ("RU:living_street", 20.0),
        ("walk", 5.0),
        ("60;80", 60.0),
        ("80; 60", 60.0),
        (["50", "70"], 50.0),
        ("RU:zone20", 20.0),
        ("none", None),
        ("signals", None),
        ("variable", None),
        ("fast", None),
        ("", None),
        ("0", None),
        ("999", None),
        (None, None),
        (float("nan"), None),
        ("60;signals", 60.0),
    ],
)
def test_parse_maxspeed_all_forms(text, kmh):
    result = parse_maxspeed(text)
    if kmh is None:
        assert result is None
    else:
        assert math.isclose(result, kmh, rel_tol=1e-9)


def test_class_speed_maxspeed_and_unpaved():
    p = DEFAULT_PROFILE
    assert p.speed_kmh("primary") == p.speeds_kmh["primary"]
    assert p.speed_kmh("primary", maxspeed="60") == 60.0
    assert p.speed_kmh("primary", maxspeed="garbage") == p.speeds_kmh["primary"]
    assert p.speed_kmh("tertiary", surface="gravel") == pytest.approx(p.speeds_kmh["tertiary"] * p.unpaved_factor)
    assert p.speed_kmh("track") == pytest.approx(p.speeds_kmh["track"] * p.unpaved_factor)  # tracks: unpaved
    assert p.speed_kmh("track", surface="asphalt") == p.speeds_kmh["track"]
    assert p.speed_kmh(["secondary", "tertiary"]) == p.speeds_kmh["secondary"]
    assert SpeedProfile(use_maxspeed=False).speed_kmh("primary", maxspeed="60") == p.speeds_kmh["primary"]
    assert p.drives("residential") and p.drives("motorway_link") and not p.drives("footway")


def test_winter_slows_unpaved_and_tertiary_only():
    summer, winter = DEFAULT_PROFILE, DEFAULT_PROFILE.with_adjustments("winter")
    assert winter.speed_kmh("tertiary") < summer.speed_kmh("tertiary")
    assert winter.speed_kmh("primary", surface="dirt") < summer.speed_kmh("primary", surface="dirt")
    assert winter.speed_kmh("primary") == summer.speed_kmh("primary")
    assert winter.cache_key() != summer.cache_key()
    assert "winter" in winter.describe() and "winter" not in summer.describe()
    assert ADJUSTMENTS["winter"].description in winter.describe()


def test_profile_validation():
    with pytest.raises(ValueError, match="adjustments"):
        SpeedProfile(adjustments=("monsoon",))
    with pytest.raises(ValueError):
        SpeedProfile(speeds_kmh={"primary": 0.0})
    with pytest.raises(ValueError):
        SpeedProfile(unpaved_factor=1.5)


def test_every_kazakh_class_has_a_speed_and_describe_names_it():
    classes = [
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "service",
        "track",
        "living_street",
    ]
    for c in classes + [f"{c}_link" for c in classes[:5]]:
        assert DEFAULT_PROFILE.speeds_kmh[c] > 0
    assert DEFAULT_PROFILE.describe().startswith("speed profile 'kazakhstan'")


def test_an_adjustment_changes_nothing_it_does_not_name_and_cannot_be_changed():
    import dataclasses

    from geo.speeds import Adjustment

    plain = Adjustment(name="x", description="a named change with no factor")
    assert plain.unpaved_factor == 1.0 and dict(plain.class_factors) == {}  # unpaved roads keep their speed
    with pytest.raises(dataclasses.FrozenInstanceError):
        plain.unpaved_factor = 0.5  # type: ignore[misc]


def test_any_positive_speed_is_a_speed_and_the_classes_without_maxspeed_become_a_frozen_set():
    import dataclasses

    slow = dataclasses.replace(DEFAULT_PROFILE, speeds_kmh={**DEFAULT_PROFILE.speeds_kmh, "residential": 0.5})
    assert slow.speed_kmh("residential") == pytest.approx(0.5)  # slow, but a speed (km/h)
    with pytest.raises(ValueError):
        dataclasses.replace(DEFAULT_PROFILE, speeds_kmh={**DEFAULT_PROFILE.speeds_kmh, "track": 0.0})
    listed = dataclasses.replace(DEFAULT_PROFILE, maxspeed_ignored=["track", "track"])
    assert listed.maxspeed_ignored == frozenset({"track"}) and isinstance(listed.maxspeed_ignored, frozenset)
