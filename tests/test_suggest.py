"""planning.suggest on the tiny region and the bundled default region, and the ``suggest`` CLI."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from conftest import DEFAULT_REGION, TEST_SECRET, TINY

from geo.errors import QorgauError, ValidationError
from geo.region import load_region
from planning.analysis import SiteMinutes, incident_release
from planning.cli import main
from planning.scenarios import sites_from_services
from planning.siting import SitingError
from planning.suggest import candidate_sites, pick_table, suggest, suggested_sites

# tiny region, estimated minutes (straight line × 1.3 at 40 km/h): s1–s2 38.7, s2–s3 52.7, s3–s4 72.5, s1–s3 80.1
UPLOAD = b"id,name,kind,lat,lon\nc-beta,Beta site,permanent,42.6,68.4\nc-delta,Delta site,permanent,42.2,68.9\n"


@pytest.fixture(scope="module")
def tiny():
    region = load_region(TINY)
    return region, SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)


@pytest.fixture(scope="module")
def default():
    region = load_region(DEFAULT_REGION)
    return region, SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)


def test_candidates_by_population_district_centre_and_upload(tiny, default):
    region, _ = tiny
    assert list(candidate_sites(region, source="population", min_population=500)["settlement_id"]) == [
        "s1",
        "s2",
        "s3",  # Gamma and Delta: unknown populations, estimated at 6,400 (planning.estimates)
        "s4",
    ]
    assert list(candidate_sites(region, source="population", min_population=7000)["settlement_id"]) == ["s1"]
    centres = candidate_sites(region, source="district_centres")
    assert dict(zip(centres["district_id"], centres["settlement_id"])) == {"W": "s1", "E": "s3"}
    uploaded = candidate_sites(region, source="upload", upload=UPLOAD)
    assert list(uploaded["settlement_id"]) == ["c-beta", "c-delta"] and list(uploaded["district_id"]) == ["W", "E"]
    with pytest.raises(ValidationError):
        candidate_sites(region, source="upload", upload=b"id,name,kind,lat,lon\nx,X,permanent,10.0,10.0\n")
    with pytest.raises(SitingError):
        candidate_sites(region, source="everywhere")
    # the default declares its baseline (at the KATO district centres): the candidates are the settlements it stands at
    centres = candidate_sites(default[0], source="district_centres")
    services = default[0].services
    assert len(centres) == len(services)
    assert set(zip(centres.geometry.x.round(5), centres.geometry.y.round(5))) == set(
        zip(services.geometry.x.round(5), services.geometry.y.round(5))
    )
    # without a declared baseline and without outlines, towns of 10,000 or more stand in for district centres
    bare = dataclasses.replace(default[0], meta={}, districts=default[0].districts.iloc[:0])
    big = candidate_sites(bare, source="district_centres")
    assert len(big) and (big["population"] >= 10_000).all()


def test_tiny_mclp_picks_beta_with_its_people_and_suppressed_incidents(tiny):
    region, minutes = tiny
    incidents = incident_release(region, secret=TEST_SECRET, k=5)
    candidates = candidate_sites(region, source="population", min_population=500)
    candidates = candidates[candidates["settlement_id"].isin(["s1", "s2"])]  # the two of known population
    for method in ("greedy", "exact"):
        result = suggest(
            region,
            region.services,
            minutes,
            candidates,
            model="mclp",
            add=2,
            threshold_minutes=30,
            incidents=incidents,
            method=method,
        )
        assert [p.settlement_id for p in result.picks] == ["s2"]  # s1 holds the fixed site already
        pick = result.picks[0]
        assert (pick.gain_people, pick.gain_incidents, pick.gain_settlements) == (800.0, "<5", 1)  # 2 in s2
        assert (pick.lat, pick.lon) == (42.6, 68.4)
        assert result.objective == 12_800.0 and result.unreachable == ("s3", "s4")
        assert pick_table(result)["gain_incidents"].tolist() == ["<5"]
        assert "gain_incidents" not in pick_table(result, show_incidents=False).columns


def test_fixed_sites_are_kept_and_never_suggested(default):
    region, minutes = default
    candidates = candidate_sites(region)
    base = region.services
    result = suggest(region, base, minutes, candidates, model="pmedian", add=3, threshold_minutes=30, exact_gap=True)
    fixed_positions = {(round(g.y, 5), round(g.x, 5)) for g in base.geometry}
    assert len(result.picks) == 3
    assert not {(round(p.lat, 5), round(p.lon, 5)) for p in result.picks} & fixed_positions
    assert result.bound_kind == "optimal" and result.gap is not None and result.gap >= 0
    sites = suggested_sites(sites_from_services(base), result, name_prefix="Suggested: ")
    assert sites[: len(base)] == sites_from_services(base)  # the base sites, untouched, first
    assert [s.service_id for s in sites[len(base) :]] == ["suggested-01", "suggested-02", "suggested-03"]
    assert all(s.kind == "permanent" and s.name.startswith("Suggested: ") for s in sites[len(base) :])
    assert len(base) == len(region.services)  # input not mutated


def test_lscp_reports_unreachable_settlements_instead_of_failing(default):
    region, minutes = default
    result = suggest(
        region, region.services, minutes, candidate_sites(region), model="lscp", threshold_minutes=30, method="exact"
    )
    assert result.status == "optimal" and result.objective == len(result.picks)
    covered = np.asarray(minutes.rows(region.services)).min(axis=0) <= 30
    for pick in result.picks:
        assert pick.gain_settlements >= 1
    ids = list(region.settlements["settlement_id"])
    newly = sum(p.gain_settlements for p in result.picks)
    assert int(covered.sum()) + newly + len(result.unreachable) == len(ids)


def test_district_option_puts_a_service_in_every_district(tiny):
    region, minutes = tiny
    # East's two settlements of unknown population would be estimated from the town and Beta (thousands of people):
    # give them ten people each, so that the free choice goes west and only the district option sends it east
    region = dataclasses.replace(region, settlements=region.settlements.assign(population=[12000.0, 800.0, 10.0, 10.0]))
    candidates = candidate_sites(region, source="upload", upload=UPLOAD)
    free = suggest(region, region.services, minutes, candidates, model="mclp", add=1, threshold_minutes=30)
    assert [p.settlement_id for p in free.picks] == ["c-beta"]
    for method in ("greedy", "exact"):
        forced = suggest(
            region,
            region.services,
            minutes,
            candidates,
            model="mclp",
            add=1,
            threshold_minutes=30,
            every_district=True,
            method=method,
        )
        assert [p.settlement_id for p in forced.picks] == ["c-delta"] and forced.picks[0].district_id == "E"
    # with candidates only in W, district E cannot be served: reported, not a failure
    only_west = candidate_sites(region, source="population", min_population=500)
    result = suggest(
        region, region.services, minutes, only_west, model="mclp", add=1, threshold_minutes=30, every_district=True
    )
    assert result.districts_without_candidates == ("E",)


def test_bad_requests_are_explained(tiny):
    region, minutes = tiny
    candidates = candidate_sites(region, source="population", min_population=500)
    with pytest.raises(SitingError, match="needs `add`"):
        suggest(region, region.services, minutes, candidates, model="mclp", threshold_minutes=30)
    with pytest.raises(SitingError, match="no candidate"):
        suggest(region, region.services, minutes, candidates.iloc[:0], model="lscp", threshold_minutes=30)
    with pytest.raises(QorgauError, match="incidents"):
        suggest(
            region, region.services, minutes, candidates, model="mclp", add=1, threshold_minutes=30, demand="incidents"
        )


def test_cli_json_on_the_default_region(capsys):
    code = main(
        ["suggest", "--region", str(DEFAULT_REGION), "--model", "mclp", "--add", "3", "--minutes", "30", "--json"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "mclp" and out["method"] == "greedy" and len(out["chosen"]) == 3
    first = out["chosen"][0]
    assert {"settlement_id", "name", "lat", "lon", "gain_people", "gain_incidents"} <= set(first)
    assert first["gain_people"] > 0 and isinstance(first["gain_incidents"], str)
    assert out["objective"] > 0 and out["fixed_sites"] == len(load_region(DEFAULT_REGION).services)


def test_cli_exact_with_a_scenario_file_and_districts(tmp_path, capsys):
    scenario = tmp_path / "sites.csv"
    scenario.write_text("id,name,kind,lat,lon\nx,Alpha,permanent,42.5,68.2\n", encoding="utf-8")
    code = main(
        [
            "suggest",
            "--region",
            str(TINY),
            "--model",
            "lscp",
            "--minutes",
            "60",
            "--scenario",
            str(scenario),
            "--candidates",
            "district_centres",
            "--every-district",
            "--exact",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "optimal" and [c["settlement_id"] for c in out["chosen"]] == ["s3"]
    assert out["unreachable_settlements"] == ["s4"]


@pytest.mark.parametrize(
    "argv, code",
    [
        (["--model", "mclp", "--minutes", "30"], 2),  # mclp without --add
        (["--model", "lscp", "--minutes", "30", "--candidates", "upload"], 2),  # no --candidates-file
        # a missing file is invalid input (issue 12): exit 2, naming the argument
        (["--model", "mclp", "--add", "1", "--minutes", "30", "--demand", "blend", "--scenario", "missing.csv"], 2),
    ],
)
def test_cli_exit_codes(argv, code, capsys):
    assert main(["suggest", "--region", str(TINY), *argv]) == code
    assert "error" in capsys.readouterr().err


def test_cli_rejects_an_unknown_model():
    with pytest.raises(SystemExit) as exit_:
        main(["suggest", "--region", str(TINY), "--model", "pcenter", "--minutes", "30"])
    assert exit_.value.code == 2


def test_cli_gains_with_incident_demand_come_from_the_release(tmp_path, capsys):
    """Issue 11: K=1, a short threshold, a one-row candidate file at a village, demand = incidents printed
    ``gain_objective 2.0`` beside ``gain_incidents "<5"`` (Beta's exact 2). Both are now the village's released cell,
    as is the objective."""
    candidate = tmp_path / "one.csv"
    candidate.write_bytes(b"id,name,kind,lat,lon\nat-beta,Beta site,permanent,42.6,68.4\n")
    argv = [
        "suggest",
        "--region",
        str(TINY),
        "--model",
        "mclp",
        "--add",
        "1",
        "--minutes",
        "5",
        "--demand",
        "incidents",
        "--candidates",
        "upload",
        "--candidates-file",
        str(candidate),
        "--json",
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    region = load_region(TINY)
    release = incident_release(region, secret=TEST_SECRET, k=5)
    [pick] = out["chosen"]
    assert pick["gain_incidents"] == pick["gain_objective"] == release.text([1]) == "<5"  # Beta holds 2
    assert out["objective"] == release.text([0, 1])  # Alpha (the fixed site) and Beta
    assert main(argv[:-1]) == 0
    text = capsys.readouterr().out
    [row] = [line.split() for line in text.splitlines() if line.split()[:1] == ["1"]]  # the one pick, by its order
    assert row[-1] == "<5" and "2.0" not in row and "2" not in row


def test_page_gains_never_show_a_raw_count(tiny):
    region, minutes = tiny
    release = incident_release(region, secret=TEST_SECRET, k=5)
    candidates = candidate_sites(region, source="upload", upload=UPLOAD)
    for model, demand in (("mclp", "incidents"), ("lscp", "incidents"), ("pmedian", "incidents"), ("mclp", "blend")):
        result = suggest(
            region,
            region.services,
            minutes,
            candidates.iloc[:1],
            model=model,
            add=1,
            threshold_minutes=5,
            demand=demand,
            incidents=release,
        )
        for pick in result.picks:
            assert pick.gain_incidents == release.text([1])
            if model != "pmedian" and demand == "incidents":
                assert pick.gain_objective_shown == release.text([1])
            else:  # minutes x demand or shares: computed from protected values only
                assert isinstance(pick.gain_objective_shown, float)
        if model == "mclp" and demand == "incidents":
            assert result.objective_shown == release.text([0, 1])
