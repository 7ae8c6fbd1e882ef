"""``--speeds FILE`` on every command that computes travel times, over hand-made roads in the tiny region.

tests/data/speeds/tiny_roads.osm has a node at each settlement: Alpha (the service) -primary- Beta -tertiary,
maxspeed=90- Gamma -track- Delta. The slow file below sets primary to 20 km/h (a quarter of 80) and ignores
maxspeed on tertiary (50 km/h instead of 90), so by hand:
  Beta  minutes × 4 (14.85 -> 59.4: out of the 30-minute band, 800 people fewer within 30 min)
  Gamma Beta's minutes + (Beta-Gamma at 90 km/h) × 90/50
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import geopandas as gpd
import pandas as pd
import pytest
from conftest import BROKEN, DATA, TINY

from planning.cli import main
from planning.i18n import t
from planning.store.db import DB_ENV_VAR

SLOW = "highway,speed_kmh,use_maxspeed\nprimary,20,yes\ntertiary,50,no\n"
SITES = "id,name,kind,lat,lon,capacity,reach_minutes\na,Alpha,permanent,42.5,68.2,,\n"


@pytest.fixture(autouse=True)
def _no_user_data(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "db.sqlite"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The tiny region with roads (its network cache shared by the tests of this module) and a slow speeds file."""
    root = tmp_path_factory.mktemp("speeds_cli")
    region = root / "tiny"
    shutil.copytree(TINY, region)
    shutil.copy(DATA / "speeds" / "tiny_roads.osm", region / "roads.osm")
    slow = root / "slow.csv"
    slow.write_text(SLOW, encoding="utf-8")
    sites = root / "sites.csv"
    sites.write_text(SITES, encoding="utf-8")
    return {"region": region, "slow": slow, "sites": sites, "root": root}


def _run(capsys, argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys, argv) -> dict:
    code, out, err = _run(capsys, argv)
    assert code == 0, err
    return json.loads(out)


def test_travel_times_use_the_speeds_file(capsys, world, tmp_path):
    minutes = {}
    for name, extra in (("builtin", []), ("slow", ["--speeds", world["slow"]])):
        out = tmp_path / f"{name}.csv"
        code, _, err = _run(capsys, ["travel-times", "--region", world["region"], "--out", out, *extra])
        assert code == 0, err
        minutes[name] = pd.read_csv(out).set_index("settlement_id")["minutes"]
        if name == "slow":
            assert "speed profile 'slow.csv' (from a file)" in err and "maxspeed tags used except on tertiary" in err
    built, slow = minutes["builtin"], minutes["slow"]
    assert built["s2"] == pytest.approx(14.85, abs=0.01)
    assert slow["s2"] == pytest.approx(4 * built["s2"], abs=0.02)
    assert slow["s3"] == pytest.approx(slow["s2"] + (built["s3"] - built["s2"]) * 90 / 50, abs=0.02)


def test_isochrones_use_the_speeds_file(capsys, world, tmp_path):
    area = {}
    for name, extra in (("builtin", []), ("slow", ["--speeds", world["slow"]])):
        out = tmp_path / f"{name}.geojson"
        code, _, err = _run(
            capsys, ["isochrones", "--region", world["region"], "--minutes", "30", "--out", out, *extra]
        )
        assert code == 0, err
        area[name] = gpd.read_file(out).to_crs("EPSG:32642").area.sum()
    assert "from a file" in err
    assert 0 < area["slow"] < 0.7 * area["builtin"]


def test_coverage_and_compare_use_the_speeds_file(capsys, world):
    base = ["--region", world["region"], "--minutes", "30", "--json"]
    built = _json(capsys, ["coverage", *base])
    slow = _json(capsys, ["coverage", *base, "--speeds", world["slow"]])
    assert built["thresholds"]["30"]["population_covered"] == 12800
    assert slow["thresholds"]["30"]["population_covered"] == 12000  # Beta's 800 are now 59 minutes away
    assert "built-in" in built["method_description"] and "'slow.csv' (from a file)" in slow["method_description"]
    sites = world["sites"]
    built = _json(capsys, ["compare", "--region", world["region"], sites, sites, "--minutes", "30", "--json"])
    slow = _json(
        capsys,
        ["compare", "--region", world["region"], sites, sites, "--minutes", "30", "--json", "--speeds", world["slow"]],
    )
    assert built["a"]["thresholds"]["30"]["population_covered"] == 12800
    assert slow["a"]["thresholds"]["30"]["population_covered"] == 12000
    assert "from a file" in slow["method_description"]


def test_suggest_uses_the_speeds_file(capsys, world):
    argv = [
        "suggest",
        "--region",
        world["region"],
        "--model",
        "pmedian",
        "--add",
        "1",
        "--minutes",
        "30",
        "--candidates",
        "district_centres",
        "--json",
    ]
    built = _json(capsys, argv)
    slow = _json(capsys, [*argv, "--speeds", world["slow"]])
    # demand-weighted minutes grow when roads are slower (less than they did before issue 19: Gamma's and Delta's
    # estimated 6,400 people now weigh most, and the added site stands near them)
    assert slow["objective"] > built["objective"] * 1.01
    assert "from a file" in slow["method_description"] and "built-in" in built["method_description"]


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")
def test_report_uses_the_speeds_file_and_states_it(capsys, world, tmp_path):
    texts = {}
    for name, extra in (("builtin", []), ("slow", ["--speeds", world["slow"]])):
        out = tmp_path / f"{name}.pdf"
        code, _, err = _run(capsys, ["report", "--region", world["region"], "--lang", "ru", "--out", out, *extra])
        assert code == 0, err
        texts[name] = " ".join(_pdf_text(out).split())
    assert "встроенные скорости для Казахстана" in texts["builtin"]
    primary = t("road_class.primary", "ru")  # the road classes are named in the reader's language
    assert "скорости из файла slow.csv" in texts["slow"] and f"{primary} 20" in texts["slow"]
    assert "12 800" in texts["builtin"].replace("\u202f", " ").replace("\u00a0", " ")
    assert texts["slow"].replace("\u202f", " ").replace("\u00a0", " ").count("12 000") > texts["builtin"].replace(
        "\u202f", " "
    ).replace("\u00a0", " ").count("12 000")


def test_map_uses_the_speeds_file_and_states_it(capsys, world, tmp_path):
    pages = {}
    for name, extra in (("builtin", []), ("slow", ["--speeds", world["slow"]])):
        out = tmp_path / f"{name}.html"
        code, _, err = _run(capsys, ["map", "--region", world["region"], "--lang", "kk", "--out", out, *extra])
        assert code == 0, err
        pages[name] = _unescaped(out.read_text(encoding="utf-8"))
    assert "slow.csv файлындағы жылдамдықтар" in pages["slow"]  # the legend states the speeds in use
    assert "Қазақстанға арналған кірістірілген жылдамдықтар" in pages["builtin"]
    # settlements beyond 60 minutes: Delta at 182 minutes; with the slow file Gamma (92) and Delta (241: beyond the
    # matrix's 240-minute cutoff it gets its uncapped time, no longer "unreachable")
    assert re.findall(r'"minutes_label": "([^"]*)"', pages["builtin"]) == ["182"]
    assert re.findall(r'"minutes_label": "([^"]*)"', pages["slow"]) == ["92", "241"]


def _unescaped(html: str) -> str:
    """The page with the \\uXXXX escapes of its embedded JSON turned back into letters."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


COMMANDS = {
    "travel-times": ["--out", "{tmp}/t.csv"],
    "isochrones": ["--out", "{tmp}/i.geojson"],
    "coverage": [],
    "compare": ["{sites}", "{sites}"],
    "suggest": ["--model", "lscp", "--minutes", "30"],
    "report": ["--out", "{tmp}/r.pdf"],
    "map": ["--out", "{tmp}/m.html"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_bad_speeds_file_exits_2_with_the_problem(capsys, world, tmp_path, command):
    extra = [a.format(tmp=tmp_path, sites=world["sites"]) for a in COMMANDS[command]]
    code, out, err = _run(
        capsys, [command, "--region", world["region"], *extra, "--speeds", BROKEN / "speeds_bad_yes_no.csv"]
    )
    assert code == 2
    assert "speeds_bad_yes_no.csv: line 2: column 'use_maxspeed': use_maxspeed must be yes or no" in err
    assert "Traceback" not in err and not list(tmp_path.iterdir())  # nothing written


def test_a_missing_speeds_file_exits_2(capsys, world, tmp_path):
    code, _, err = _run(capsys, ["coverage", "--region", world["region"], "--speeds", tmp_path / "nope.csv"])
    assert code == 2 and "nope.csv: no such file." in err


def test_the_folder_speeds_file_is_used_and_speeds_overrides_it(capsys, world, tmp_path):
    region = tmp_path / "tiny"
    shutil.copytree(world["region"], region)  # the same road file: the cached networks are reused
    (region / "speeds.csv").write_text(SLOW, encoding="utf-8")
    folder = _json(capsys, ["coverage", "--region", region, "--minutes", "30", "--json"])
    assert folder["thresholds"]["30"]["population_covered"] == 12000
    assert "'speeds.csv' (from the region folder)" in folder["method_description"]
    fast = tmp_path / "fast.csv"
    fast.write_text("highway,speed_kmh\nprimary,80\n", encoding="utf-8")
    override = _json(capsys, ["coverage", "--region", region, "--minutes", "30", "--json", "--speeds", fast])
    assert override["thresholds"]["30"]["population_covered"] == 12800
