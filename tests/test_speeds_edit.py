"""Speeds a planner can edit: a region's speeds.csv (loader, writer, validation on deliberately broken files),
per-class use_maxspeed, the cache key, the profile in use for a region and how it is stated in ru/kk/en."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import BROKEN, DATA, SHARED_TURKISTAN, TINY, needs_shared

from geo.errors import RegionError, ValidationError
from geo.region import load_region
from geo.speeds import (
    DEFAULT_PROFILE,
    KAZAKHSTAN_SPEEDS_KMH,
    SPEEDS_FILE_NAME,
    SpeedProfile,
    folder_speed_profile,
    load_speed_profile,
    speed_profile_from_table,
    speeds_table,
    write_speeds_csv,
)
from planning.analysis import SiteMinutes, describe_profile, speed_profile_of
from planning.i18n import LANGUAGES, format_problem

SPEEDS = DATA / "speeds"


# --- loader and writer ----------------------------------------------------------------------------------------------
def test_a_file_replaces_the_speeds_of_the_classes_it_lists(tmp_path):
    path = tmp_path / "speeds.csv"
    path.write_text("highway,speed_kmh,use_maxspeed\nprimary,70,yes\ntrack,18,no\n", encoding="utf-8")
    profile = load_speed_profile(path)
    assert profile.speeds_kmh["primary"] == 70.0 and profile.speeds_kmh["track"] == 18.0
    assert profile.speeds_kmh["secondary"] == KAZAKHSTAN_SPEEDS_KMH["secondary"]  # unlisted classes keep theirs
    assert profile.maxspeed_ignored == frozenset({"track"}) and profile.use_maxspeed
    assert (profile.name, profile.source, profile.adjustments) == ("speeds.csv", "file", ())
    assert profile.speed_kmh("primary") == 70.0 and profile.speed_kmh("primary", maxspeed="50") == 50.0
    assert profile.speed_kmh("track", surface="asphalt", maxspeed="60") == 18.0  # maxspeed ignored on tracks


@pytest.mark.parametrize(
    ("name", "expected", "ignored"),
    [
        ("speeds_cp1251_semicolon.csv", {"primary": 72.5, "track": 18.0, "secondary": 60.0}, {"track"}),
        ("speeds_utf8_bom_tab.csv", {"tertiary": 45.0, "unclassified": 35.5}, {"tertiary"}),
    ],
)
def test_the_usual_encodings_and_delimiters_are_read(name, expected, ignored):
    profile = load_speed_profile(SPEEDS / name)
    assert {k: profile.speeds_kmh[k] for k in expected} == expected
    assert profile.maxspeed_ignored == frozenset(ignored)


@pytest.mark.parametrize(
    "profile",
    [
        DEFAULT_PROFILE,
        SpeedProfile(
            name="speeds.csv",
            speeds_kmh={**KAZAKHSTAN_SPEEDS_KMH, "primary": 62.5, "track": 1 / 3 * 50},
            maxspeed_ignored={"track", "service"},
            source="region",
        ),
    ],
)
def test_write_then_load_gives_the_same_profile(tmp_path, profile):
    path = write_speeds_csv(profile, tmp_path / "speeds.csv")
    again = load_speed_profile(path, source="region")
    assert dict(again.speeds_kmh) == dict(profile.speeds_kmh) and list(again.speeds_kmh) == list(profile.speeds_kmh)
    assert again.maxspeed_ignored_classes() == profile.maxspeed_ignored_classes()
    assert again.maxspeed_ignored == profile.maxspeed_ignored
    if profile.source == "region":  # the same file in the same place: the same network
        assert again == profile and again.cache_key() == profile.cache_key()
    assert not list(tmp_path.glob(".*.partial"))
    assert path.read_text(encoding="utf-8").splitlines()[0] == "highway,speed_kmh,use_maxspeed"


def test_the_table_is_what_the_file_holds():
    profile = SpeedProfile(maxspeed_ignored={"track"})
    table = speeds_table(profile)
    assert list(table.columns) == ["highway", "speed_kmh", "use_maxspeed"]
    assert list(table["highway"]) == list(KAZAKHSTAN_SPEEDS_KMH)
    assert table.set_index("highway").loc["track", "use_maxspeed"] == False  # noqa: E712 (numpy bool)
    # the editor's cells (floats, booleans) validate like the file's text
    assert speed_profile_from_table(table.set_axis(range(2, len(table) + 2))).maxspeed_ignored == {"track"}


# --- validation: deliberately broken files ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "key", "column", "rows"),
    [
        ("speeds_unknown_class.csv", "speeds_class_unknown", "highway", (3, 4)),
        ("speeds_repeated_class.csv", "speeds_class_repeated", "highway", (2, 4)),
        ("speeds_bad_speeds.csv", "speeds_not_number", "speed_kmh", (2, 3)),
        ("speeds_bad_speeds.csv", "speeds_not_positive", "speed_kmh", (4, 5)),
        ("speeds_bad_speeds.csv", "speeds_absurd", "speed_kmh", (6, 7)),
        ("speeds_bad_yes_no.csv", "speeds_yes_no", "use_maxspeed", (2,)),
        ("speeds_missing_column.csv", "speeds_columns", None, ()),
        ("speeds_missing_column.csv", "speeds_unknown_columns", None, ()),
        ("speeds_empty.csv", "table_empty", None, ()),
        ("speeds_header_only.csv", "no_data_rows", None, ()),
    ],
)
def test_broken_files_name_the_file_line_column_and_fix(name, key, column, rows):
    with pytest.raises(ValidationError) as caught:
        load_speed_profile(BROKEN / name)
    problem = next((p for p in caught.value.problems if p.key == key), None)
    assert problem is not None, [p.key for p in caught.value.problems]
    assert problem.file == name and problem.column == column and problem.rows == rows and problem.fix
    assert isinstance(caught.value, ValueError)
    for lang in LANGUAGES:  # every problem has its catalog text in every language
        assert format_problem(problem, lang).startswith(name)


def test_the_bad_speeds_file_reports_every_problem_at_once():
    with pytest.raises(ValidationError) as caught:
        load_speed_profile(BROKEN / "speeds_bad_speeds.csv")
    text = str(caught.value)
    assert "classes: primary, secondary" in text and "classes: tertiary, track" in text
    assert "outside 1–200 km/h (classes: residential, service)" in text
    assert "unclassified" not in text  # 45,5 (decimal comma) is a good speed


def test_a_missing_file_is_a_validation_error(tmp_path):
    with pytest.raises(ValidationError, match="no such file"):
        load_speed_profile(tmp_path / "nowhere.csv")


# --- per-class use_maxspeed, cache key, description -----------------------------------------------------------------
def test_maxspeed_is_ignored_only_on_the_chosen_classes():
    profile = SpeedProfile(maxspeed_ignored={"track", "tertiary"})
    assert profile.speed_kmh("tertiary", maxspeed="90") == KAZAKHSTAN_SPEEDS_KMH["tertiary"]
    assert profile.speed_kmh("primary", maxspeed="60") == 60.0
    assert profile.speed_kmh(["track", "service"], maxspeed="60", surface="asphalt") == KAZAKHSTAN_SPEEDS_KMH["track"]
    assert not profile.uses_maxspeed("tertiary") and profile.uses_maxspeed("primary")
    assert profile.maxspeed_ignored_classes() == ("tertiary", "track")
    assert "maxspeed tags used except on tertiary, track" in profile.describe()
    assert SpeedProfile(use_maxspeed=False).describe().endswith("maxspeed tags ignored")
    with pytest.raises(ValueError, match="maxspeed_ignored"):
        SpeedProfile(maxspeed_ignored="track")
    with pytest.raises(ValueError, match="source"):
        SpeedProfile(source="internet")


def test_the_cache_key_changes_with_speeds_maxspeed_classes_and_source():
    keys = {
        DEFAULT_PROFILE.cache_key(),
        SpeedProfile(speeds_kmh={**KAZAKHSTAN_SPEEDS_KMH, "primary": 79.0}).cache_key(),
        SpeedProfile(maxspeed_ignored={"track"}).cache_key(),
        SpeedProfile(maxspeed_ignored={"service"}).cache_key(),
        SpeedProfile(name="speeds.csv", source="region").cache_key(),  # same speeds, said to come from elsewhere
    }
    assert len(keys) == 5
    assert SpeedProfile(maxspeed_ignored=["track"]).cache_key() == SpeedProfile(maxspeed_ignored={"track"}).cache_key()


def test_describe_names_a_changed_class_beyond_the_main_ones():
    profile = SpeedProfile(speeds_kmh={**KAZAKHSTAN_SPEEDS_KMH, "unclassified": 33.0})
    assert "unclassified 33" in profile.describe() and "unclassified" not in DEFAULT_PROFILE.describe()


@pytest.mark.parametrize(
    ("lang", "builtin", "region", "file", "partly"),
    [
        (
            "ru",
            "встроенные скорости для Казахстана",
            "скорости из speeds.csv региона",
            "скорости из файла my.csv",
            "ограничения maxspeed учтены, кроме: track",
        ),
        (
            "kk",
            "Қазақстанға арналған кірістірілген жылдамдықтар",
            "өңірдің speeds.csv файлындағы жылдамдықтар",
            "my.csv файлындағы жылдамдықтар",
            "maxspeed шектеулері ескерілген, мыналардан басқа: track",
        ),
        (
            "en",
            "built-in speeds for Kazakhstan",
            "speeds from the region's speeds.csv",
            "speeds from the file my.csv",
            "maxspeed tags used except on track",
        ),
    ],
)
def test_the_source_of_the_speeds_is_stated_in_the_readers_language(lang, builtin, region, file, partly):
    assert builtin in describe_profile(DEFAULT_PROFILE, lang)
    regional = SpeedProfile(
        name="speeds.csv",
        source="region",
        maxspeed_ignored={"track"},
        speeds_kmh={**KAZAKHSTAN_SPEEDS_KMH, "primary": 62.5},
    )
    text = describe_profile(regional.with_adjustments("winter"), lang)
    assert region in text and partly in text and ("62,5" if lang != "en" else "62.5") in text
    assert file in describe_profile(SpeedProfile(name="my.csv", source="file"), lang)


# --- the profile in use for a region ----------------------------------------------------------------------------------
@pytest.fixture
def tiny_with_speeds(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    (folder / SPEEDS_FILE_NAME).write_text("highway,speed_kmh\nprimary,70\n", encoding="utf-8")
    return folder


def test_the_region_folder_speeds_are_the_profile_in_use(tiny_with_speeds, tmp_path):
    region = load_region(tiny_with_speeds)
    assert region.speed_profile.source == "region" and region.speed_profile.speeds_kmh["primary"] == 70.0
    assert speed_profile_of(region) == region.speed_profile
    assert speed_profile_of(region, adjustments=("winter",)).adjustments == ("winter",)
    other = tmp_path / "other.csv"
    other.write_text("highway,speed_kmh\nprimary,55\n", encoding="utf-8")
    override = speed_profile_of(region, speeds_file=other)  # --speeds FILE beats the folder's file
    assert override.speeds_kmh["primary"] == 55.0 and override.source == "file" and override.name == "other.csv"
    assert load_region(TINY).speed_profile == DEFAULT_PROFILE == folder_speed_profile(TINY)
    minutes = SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs, profile=region.speed_profile)
    assert "оценка" in minutes.describe("ru")  # without roads the estimate is stated, not the speeds


def test_a_broken_speeds_file_makes_the_region_say_so(tiny_with_speeds):
    shutil.copy(BROKEN / "speeds_bad_yes_no.csv", tiny_with_speeds / SPEEDS_FILE_NAME)
    with pytest.raises(RegionError) as caught:
        load_region(tiny_with_speeds)
    assert [p.key for p in caught.value.problems] == ["speeds_yes_no"]
    assert caught.value.problems[0].file == SPEEDS_FILE_NAME


@needs_shared
def test_the_real_region_reads_its_speeds_file(tmp_path):
    folder = tmp_path / "turkistan"
    shutil.copytree(SHARED_TURKISTAN, folder)
    (folder / SPEEDS_FILE_NAME).write_bytes(
        "highway;speed_kmh;use_maxspeed\r\ntrunk;85;да\r\ntrack;15;нет\r\n".encode("cp1251")
    )
    region = load_region(folder)
    assert len(region.settlements) == 940
    profile = speed_profile_of(region)
    assert profile.speeds_kmh["trunk"] == 85.0 and profile.maxspeed_ignored == {"track"}
    assert "скорости из speeds.csv региона" in describe_profile(profile, "ru")
    assert isinstance(speeds_table(profile), pd.DataFrame)


def _speeds(rows, columns=("highway", "speed_kmh", "use_maxspeed")):
    import pandas as pd

    return pd.DataFrame([list(r) for r in rows], columns=list(columns)).astype(str)


def test_speeds_at_the_ends_of_the_range_are_taken_and_yes_gives_maxspeed_back_to_a_class():
    from geo.speeds import DEFAULT_PROFILE, SPEED_RANGE_KMH, speed_profile_from_table

    low, high = SPEED_RANGE_KMH
    profile = speed_profile_from_table(_speeds([("track", f"{low:g}", "no"), ("motorway", f"{high:g}", "yes")]))
    assert profile.speeds_kmh["motorway"] == high and "motorway" not in profile.maxspeed_ignored
    import dataclasses

    base = dataclasses.replace(DEFAULT_PROFILE, maxspeed_ignored=frozenset({"primary"}))
    again = speed_profile_from_table(_speeds([("primary", "80", "yes")]), base=base)
    assert "primary" not in again.maxspeed_ignored  # "yes" gives the class its maxspeed tags back
    assert len(DEFAULT_PROFILE.cache_key()) == 16  # the network cache's key: 16 hex digits


def test_a_speeds_table_needs_highway_and_speed_and_names_at_most_ten_classes():
    from geo.errors import ValidationError
    from geo.speeds import speed_profile_from_table

    with pytest.raises(ValidationError) as missing:
        speed_profile_from_table(_speeds([("primary",)], columns=("highway",)))
    assert "speed_kmh" in str(missing.value) and "needs the columns speed_kmh;" in str(missing.value)
    eleven = [(f"class{i:02d}", "50", "") for i in range(11)]
    with pytest.raises(ValidationError) as unknown:
        speed_profile_from_table(_speeds(eleven))
    text = str(unknown.value)
    assert "class09" in text and "class10" not in text and "(+1)" in text  # ten named, the rest counted
    ten = eleven[:10]
    with pytest.raises(ValidationError) as exactly:
        speed_profile_from_table(_speeds(ten))
    assert "class09" in str(exactly.value) and "(+" not in str(exactly.value)
    with pytest.raises(ValidationError) as blank:
        speed_profile_from_table(_speeds([("", "50", ""), ("primary", "80", "")]))
    assert "without a highway class" in str(blank.value)
