"""``python -m planning coverage`` and ``compare`` on the tiny hand-checked region and the bundled default.

Tiny region (estimate: straight line × 1.3 at 40 km/h), one service at Alpha (42.5 N, 68.2 E):
  Alpha  town 12,000 people, district W, 0 min, incidents 7
  Beta   village 800, W, ~19.8 km × 1.3 / 40 km/h ≈ 38.6 min, incidents 2
  Gamma  village (unknown), E, ~41 km × 1.3 / 40 km/h ≈ 80 min
  Delta  hamlet (unknown), E, ~78 km × 1.3 / 40 km/h ≈ 117 min
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import COVERAGE_FIGURE_KEYS, DEFAULT_REGION, PROJECT, TEST_SECRET, TINY

from geo.region import load_region
from planning.analysis import incident_release
from planning.cli import main
from planning.store.db import DB_ENV_VAR

SITES_HEADER = "id,name,kind,lat,lon,capacity,reach_minutes\n"


def _json(capsys, argv) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(autouse=True)
def _no_user_data(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "db.sqlite"))


@pytest.fixture
def two_scenarios(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(SITES_HEADER + "a,Alpha,permanent,42.5,68.2,,\n", encoding="utf-8")
    b = tmp_path / "b.csv"  # adds a mobile team at Gamma reaching 45 min: Gamma gains, nobody loses
    b.write_text(SITES_HEADER + "a,Alpha,permanent,42.5,68.2,,\ng,Gamma team,mobile,42.5,68.7,,45\n", encoding="utf-8")
    return a, b


def test_coverage_on_the_tiny_region_is_hand_checked(capsys):
    report = _json(capsys, ["coverage", "--region", str(TINY), "--minutes", "30,60", "--json"])
    within_30, within_60 = report["thresholds"]["30"], report["thresholds"]["60"]
    assert COVERAGE_FIGURE_KEYS <= set(within_30)
    # Gamma and Delta have no known population: each is estimated at 6,400, the median of the two known (no group
    # of villages or hamlets has three known), so the total reads 12,800 known + 12,800 estimated
    assert (within_30["population_covered"], within_30["population_total"]) == (12000, 25600)
    assert (within_30["population_estimated_total"], within_30["settlements_estimated_population"]) == (12800, 2)
    assert (within_30["settlements_covered"], within_30["settlements_total"]) == (1, 4)
    assert (within_60["population_covered"], within_60["settlements_covered"]) == (12800, 2)
    assert within_60["population_estimated_covered"] == 0
    assert within_30["settlements_unknown_population"] == 0 and within_60["settlements_unknown_population_covered"] == 0
    # incidents: 7 at Alpha (within 30), 2 at Beta (30..60); each figure is the release's cell of its settlements
    release = incident_release(load_region(TINY), secret=TEST_SECRET, k=5)
    assert within_30["incidents_covered"] == release.text([0]) and within_60["incidents_covered"] == release.text(
        [0, 1]
    )
    assert within_30["incidents_total"] == within_60["incidents_total"] == release.text()
    assert report["districts"]["W"]["thresholds"]["60"]["incidents_covered"] == release.text([0, 1])
    shown = {v for t in report["thresholds"].values() for k, v in t.items() if k.startswith("incidents")}
    assert all(v == "<5" or int(v) >= 5 for v in shown) and "x" not in shown
    west = report["districts"]["W"]["thresholds"]["30"]
    assert (west["population_covered"], west["settlements_total"]) == (12000, 2)
    assert report["districts"]["E"]["thresholds"]["60"]["settlements_covered"] == 0
    # 12,000 of the 25,600 people (46.9 %) live at the service, Beta's 800 (50 % with them) 38.7 min away: the median;
    # the 90th percentile is Delta's (an estimated 6,400 people at the far end)
    assert report["median_minutes"] == pytest.approx(38.65, abs=0.01) and report["p90_minutes"] > 60
    assert report["method"] == "estimate"


def test_compare_on_the_tiny_region(capsys, two_scenarios):
    a, b = two_scenarios
    report = _json(capsys, ["compare", "--region", str(TINY), str(a), str(b), "--minutes", "30", "--json"])
    within = report["thresholds"]["30"]
    assert within["settlements_covered"] == {"a": 1, "b": 2, "difference": 1}
    assert within["population_covered"]["difference"] == 6400  # Gamma's unknown population, estimated (not 0)
    assert [c["settlement_id"] for c in within["gained"]] == ["s3"] and within["lost"] == []
    assert within["gained"][0]["minutes_b"] == 0.0 and within["gained"][0]["minutes_a"] > 60
    assert "1 more village" in within["summary"] and "nobody loses" in within["summary"]
    assert report["b"]["thresholds"]["30"]["settlements_covered"] == 2


def test_readable_tables_without_json(capsys, two_scenarios):
    assert main(["coverage", "--region", str(TINY), "--minutes", "30"]) == 0
    text = capsys.readouterr().out
    assert "within 30 minutes" in text and "12,000 / 25,600" in text and "1 / 4" in text
    assert main(["compare", "--region", str(TINY), *map(str, two_scenarios), "--minutes", "30"]) == 0
    text = capsys.readouterr().out
    assert "gained" in text and "Гамма" in text


def test_invalid_input_exits_2(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(SITES_HEADER + "a,Alpha,permanent,not-a-number,68.2,,\n", encoding="utf-8")
    assert main(["coverage", "--region", str(TINY), "--scenario", str(bad)]) == 2
    assert "bad.csv" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["coverage", "--region", str(TINY), "--minutes", "thirty"])
    assert exc.value.code == 2


def test_default_region_through_the_module_entry_point(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "planning", "coverage", "--region", str(DEFAULT_REGION), "--minutes", "30,60", "--json"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={"PATH": "", DB_ENV_VAR: str(tmp_path / "db.sqlite")},
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    within_30, within_60 = report["thresholds"]["30"], report["thresholds"]["60"]
    settlements = len(load_region(DEFAULT_REGION).settlements)
    assert within_30["settlements_total"] == settlements
    assert 0 < within_30["settlements_covered"] <= within_60["settlements_covered"] <= settlements
    assert within_30["population_covered"] <= within_60["population_covered"] <= within_60["population_total"]
    for figures in (within_30, within_60):  # synthetic incidents: released cells, numbers of at least 5 or "<5"
        for key in ("incidents_covered", "incidents_total"):
            value = figures[key]
            assert value == "<5" or value.isdigit() and (int(value) == 0 or int(value) >= 5)


def test_coverage_text_names_the_districts_and_says_the_incidents_are_synthetic(capsys):
    region = load_region(DEFAULT_REGION)
    for lang in ("ru", "kk"):
        assert main(["coverage", "--region", str(DEFAULT_REGION), "--minutes", "60", "--lang", lang]) == 0
        text = capsys.readouterr().out
        assert region.name(lang) in text.splitlines()[0]  # the region by its name, not its id
        assert ("СИНТЕТИЧЕСКИЕ" if lang == "ru" else "СИНТЕТИКАЛЫҚ") in text  # the bundled incidents are demo data
        rows = [line.split()[0] for line in text.splitlines() if line.startswith(("KZ", "Түркістан", "Туркестан"))]
        assert rows and not any(row.startswith("KZ") for row in rows), rows  # names, never KATO ids
