"""Mobile-team circuits (issue 20): a hand-worked instance, the rules every plan keeps, bad team settings, the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from planning.circuit_data import demand, read_teams
from planning.circuits import (
    ENGINE_NEAREST,
    ENGINES,
    REASON_NO_TIME,
    REASON_TOO_FAR,
    REASON_UNREACHABLE,
    Instance,
    Team,
    TeamError,
    check_plan,
    check_team,
    lower_bound_days,
    solve,
)

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["base", "A", "B", "C", "D", "E"]
POSITIONS = np.array([(0, 0), (20, 0), (20, 5), (-20, 0), (-20, 5), (60, 0)], float)
"""Minutes = straight distance. A, B 20 min east of the base and 5 apart; C, D the same to the west (A to C: 40 min);
E 60 min out: 60 + 10 + 60 > 100, beyond a day."""


def _hand_instance(days: int = 5) -> Instance:
    minutes = np.hypot(*(POSITIONS[:, None, :] - POSITIONS[None, :, :]).transpose(2, 0, 1))
    return Instance(minutes, (Team("T", "base", 100.0, 10.0, days),), np.array([100, 200, 300, np.nan, 50.0]))


@pytest.mark.parametrize("engine", [*ENGINES, ENGINE_NEAREST])
def test_hand_worked_optimum(engine):
    """By hand: all four near villages in one day would take 20+10+5+10+40+10+5+10+20 = 130 > 100 min, so the optimum
    is two days, {A, B} and {C, D}, each 20 + 10 + 5 + 10 + sqrt(20² + 5²) = 65.6 min with 45.6 min driving; E is beyond
    a day."""
    instance = _hand_instance()
    plan = solve(instance, engine=engine, time_limit_s=1)
    assert check_plan(instance, plan) == []
    assert plan.team_days == 2
    assert sorted(sorted(NAMES[1 + s.village] for s in d.stops) for d in plan.days) == [["A", "B"], ["C", "D"]]
    assert sorted(d.total_minutes for d in plan.days) == [65.6, 65.6]
    assert sorted(d.drive_minutes for d in plan.days) == [45.6, 45.6]
    assert plan.left_out == {4: REASON_TOO_FAR}
    assert lower_bound_days(instance) <= plan.team_days


@pytest.mark.parametrize("engine", ENGINES)
def test_one_day_keeps_the_most_people(engine):
    """With one day only one pair fits: C (300) + D (unknown, filled in by the caller as 250) beat A + B (300)."""
    instance = _hand_instance(days=1)
    instance = Instance(instance.minutes, instance.teams, np.array([100, 200, 300, 250, 50.0]))
    plan = solve(instance, engine=engine, time_limit_s=1)
    assert check_plan(instance, plan) == []
    assert sorted(NAMES[1 + s.village] for s in plan.days[0].stops) == ["C", "D"]
    assert plan.left_out == {0: REASON_NO_TIME, 1: REASON_NO_TIME, 4: REASON_TOO_FAR}


@pytest.mark.parametrize("engine", ENGINES)
def test_random_instances_keep_every_rule(engine):
    rng = np.random.default_rng(3)
    points = rng.uniform(0, 150, (2 + 40, 2))
    minutes = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1)) * 1.2
    minutes[5, :] = np.inf  # one village nothing reaches
    minutes[:, 5] = np.inf
    minutes[5, 5] = 0
    teams = (Team("a", "0", 300, 30, 4), Team("b", "1", 240, 20, 3))
    instance = Instance(minutes, teams, rng.uniform(50, 500, 40))
    plan = solve(instance, engine=engine, time_limit_s=2)
    assert check_plan(instance, plan) == []
    assert plan.left_out[3] == REASON_UNREACHABLE
    for d in plan.days:
        assert d.total_minutes <= instance.teams[d.team].day_minutes + 0.5
    counts = {}
    for v in plan.visited:
        counts[v] = counts.get(v, 0) + 1
    assert set(counts.values()) <= {1}
    assert set(counts) | set(plan.left_out) == set(range(40))


def test_unknown_populations_are_the_regions_estimates_never_a_median_of_their_own():
    """The teams count people as every view does (planning.estimates): known, else the estimate of the same place
    type (and district, where enough are known), flagged as filled."""
    import geopandas as gpd

    from planning.estimates import people

    frame = gpd.GeoDataFrame(
        {
            "population": [100, 300, np.nan, 1000, np.nan, 500],
            "kind": ["village", "village", "village", "town", "hamlet", "village"],
            "district_id": ["a", "a", "a", "a", "a", "b"],
        }
    )
    weight, filled = demand(frame)
    assert weight.tolist() == people(frame).tolist()
    # the unknown village: the median of the region's known villages (100, 300, 500; fewer than 8 in its district)
    assert weight[2] == 300.0
    assert filled.tolist() == [False, False, True, False, True, False]


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("T,base,0.5,60,10", "day_hours", "shorter than one visit"),
        ("T,base,25,60,10", "day_hours", "(0, 24]"),
        ("T,base,8,0,10", "visit_minutes", "positive"),
        ("T,base,8,60,2.5", "days", "whole number"),
        ("T,base,8,abc,10", "visit_minutes", "not a number"),
        (",base,8,60,10", "name", "empty"),
    ],
)
def test_bad_team_settings_name_row_and_column(row, column, words):
    with pytest.raises(TeamError) as caught:
        read_teams(io.StringIO("name,base,day_hours,visit_minutes,days\nOK,base,8,60,10\n" + row + "\n"))
    assert caught.value.row == 3 and caught.value.column == column
    assert "row 3" in str(caught.value) and words in str(caught.value)
    for lang in ("ru", "kk", "en"):
        assert "3" in caught.value.message(lang) and column in caught.value.message(lang)


def test_missing_column_is_named():
    with pytest.raises(TeamError, match="visit_minutes"):
        read_teams(io.StringIO("name,base,day_hours,days\nT,x,8,10\n"))


def test_check_team_refuses_a_visit_longer_than_the_day():
    with pytest.raises(TeamError) as caught:
        check_team(Team("T", "b", 30.0, 45.0, 5), row=7)
    assert caught.value.row == 7 and "shorter than one visit" in str(caught.value)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "planning", "circuits", "--region", "data/default", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


@pytest.fixture
def teams_file(tmp_path):
    def write(text: str) -> Path:
        path = tmp_path / "teams.csv"
        path.write_text("name,base,day_hours,visit_minutes,days\n" + text, encoding="utf-8")
        return path

    return write


def test_cli_plans_two_districts_of_the_bundled_region(teams_file, tmp_path):
    teams = teams_file("Suzak,Шолаккорган,8,60,10\nOtrar,base-614800000,8,60,10\n")
    out = tmp_path / "sheets.xlsx"
    done = _cli(
        "--teams", str(teams), "--minutes", "60", "--districts", "KZ615600,KZ614800", "--json", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    f = report["figures"]
    assert f["villages_visited"] + len(report["left_out"]) == f["villages_required"] > 0
    assert f["lower_bound_team_days"] <= f["team_days"] <= f["team_days_available"]
    for team in report["teams"]:
        for day in team["days"]:
            assert day["total_minutes"] <= team["day_minutes"] + 0.5
            arrivals = [s["arrival_minutes"] for s in day["stops"]]
            assert arrivals == sorted(arrivals)
    assert all(item["reason"] in ("too_far", "unreachable", "no_time") for item in report["left_out"])
    too_far = [item for item in report["left_out"] if item["reason"] == "too_far"]
    assert all(item["best_round_trip_minutes"] > 8 * 60 for item in too_far)
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert book.sheetnames[1:3] == ["Suzak", "Otrar"]


def test_cli_unknown_base_exits_2_naming_row_and_column(teams_file):
    done = _cli("--teams", str(teams_file("T,Nowhere-at-all,8,60,10\n")), "--lang", "en")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "row 2" in done.stderr and "'base'" in done.stderr and "Nowhere-at-all" in done.stderr


def test_a_base_outside_the_region_is_refused():
    import geopandas as gpd
    import shapely

    from geo.region import load_region
    from planning.circuit_data import resolve_base

    region = load_region(ROOT / "data" / "default")
    far = gpd.GeoDataFrame(
        {"service_id": ["far-1"], "name": ["Almaty office"], "kind": ["permanent"]},
        geometry=[shapely.Point(76.9, 43.2)],
        crs="EPSG:4326",
    )
    with pytest.raises(TeamError) as caught:
        resolve_base(region, far, "far-1", row=4)
    assert caught.value.row == 4 and caught.value.column == "base" and "outside" in str(caught.value)
    assert resolve_base(region, far.iloc[:0], "Шолаккорган").settlement_id is not None


def test_fewest_teams_with_bases_chosen_from_candidates():
    """Candidates: the centre (0, 0), a point east (20, 2) and a point west (-20, 2); one day a cycle, 50 minutes:
    from the centre no pair fits a day (20 + 10 + 5 + 10 + 20.6 > 50), from east and west their pair does
    (2 + 10 + 5 + 10 + 3 ≈ 30), so the answer is two teams, at east and west."""
    from planning.circuits import fewest_teams

    points = np.array([(0, 0), (20, 2), (-20, 2), (20, 0), (20, 5), (-20, 0), (-20, 5)], float)
    minutes = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    sizing = fewest_teams(minutes, np.array([1.0, 1, 1, 1]), 3, Team("t", "", 50.0, 10.0, 1), time_limit_s=1)
    assert sorted(sizing.bases) == [1, 2]
    assert sizing.plan is not None and not sizing.plan.left_out
    assert sizing.tried[-1] == (2, 0)


def test_pdf_route_sheets_in_kazakh(teams_file, tmp_path):
    out = tmp_path / "sheets.pdf"
    teams = teams_file("Otrar,base-614800000,8,60,10\n")
    done = _cli("--teams", str(teams), "--districts", "KZ614800", "--out", str(out), "--lang", "kk")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert "күн" in done.stdout


def test_circuits_are_saved_with_the_scenario_versioned_undoable_and_audited(tmp_path):
    import sqlite3

    from planning.scenarios import BaselineReadOnly, Site
    from planning.store.chain import verify_file
    from planning.store.scenarios import ScenarioStore

    path = tmp_path / "db.sqlite"
    store = ScenarioStore(path)
    centre = Site("c1", "Centre", "permanent", 43.2973, 68.2517)
    created = store.create("Plan", "turkistan", [centre], author="ana")
    plan = {"settings": {"minutes": 60}, "teams": [{"name": "Созақ", "days": []}], "left_out": []}
    with_plan = store.save_circuits(created.scenario_id, plan, author="ana", base_version=created.version)
    assert with_plan.version == 2 and with_plan.circuits == plan and with_plan.sites == created.sites
    moved = store.save(
        created.scenario_id, [centre, Site("c2", "New", "permanent", 43.0, 68.0)], author="ana", base_version=2
    )
    assert moved.circuits == plan  # a site edit keeps the circuits
    back = store.undo(created.scenario_id, author="ana", base_version=3)
    assert back.circuits == plan and len(back.sites) == 1
    before = store.undo(created.scenario_id, author="ana", base_version=4)
    assert before.circuits is None  # the version before the circuits were saved
    assert store.load(created.scenario_id, 1).circuits is None
    with sqlite3.connect(path) as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit_log")]
    assert "save circuits" in actions
    assert all(report.first_break is None for report in verify_file(path))
    baseline = store.create("Base", "turkistan", [centre], baseline=True)
    with pytest.raises(BaselineReadOnly):
        store.save_circuits(baseline.scenario_id, plan, author="ana", base_version=1)


def test_cli_fewest_teams_visits_every_village_of_two_districts(teams_file):
    """With the villages themselves as candidate bases every village can be visited: the fewest teams reach all."""
    teams = teams_file("template,Шолаккорган,8,60,10\n")
    done = _cli("--teams", str(teams), "--districts", "KZ615600,KZ614800", "--fewest-teams", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    f = report["figures"]
    assert f["villages_visited"] == f["villages_required"] > 0 and not report["left_out"]
    assert 1 <= len(report["teams"]) <= f["villages_required"]
    assert all(day["total_minutes"] <= 480.5 for team in report["teams"] for day in team["days"])
