"""Issue 12 (items 6, 7): the CLI reproduces what the pages show, in the user's language, and answers at once.

- it reads the app's database: uploaded incident counts, saved scenarios by name (case/spaces do not count) or id;
- ``--district`` takes an id, a KATO code or a name in any language; ``info`` lists the districts;
- travel-times and isochrones use the baseline when a region has no services, like coverage;
- every user error exits 2 with one line naming the argument and the fix, no traceback;
- ``--help`` answers in < 1.5 s, and no command's parser imports geopandas, osmnx, streamlit or matplotlib;
- ``--lang`` (default from the locale) applies to what is printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import pytest
from conftest import PROJECT, SHARED_TURKISTAN, TINY, needs_shared, signed_in_app

from planning.cli import locale_language, main
from planning.scenarios import Site
from planning.store.db import DB_ENV_VAR
from planning.store.scenarios import ScenarioStore

HEAVY_MODULES = ("geopandas", "osmnx", "streamlit", "matplotlib")
HELP_LIMIT_S = 1.5
# uploaded counts that differ from the tiny folder's incidents.csv (s1 7, s2 2): a CLI that ignores the database
# prints other incident figures than the pages
UPLOADED_COUNTS = "settlement,period,count\ns1,2024,30\ns2,2024,9\ns3,2024,12\n"
PLAN = "Mobile team at Gamma"


def _run(capsys, argv) -> tuple[int, str, str]:
    """``main(argv)`` in this process: (exit code, stdout, stderr); argparse's exits are exit codes too."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _subprocess(*argv, env_extra=None, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "planning", *map(str, argv)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        **kwargs,
    )


@pytest.fixture
def db(app_db, tmp_path):
    """The app's database (QORGAU_SCENARIO_DB) with counts uploaded for the tiny region and one saved scenario."""
    path = app_db
    counts = tmp_path / "counts.csv"
    counts.write_text(UPLOADED_COUNTS, encoding="utf-8")
    assert main(["import-incidents", "--db", str(path), "--region", str(TINY), "--user", "tests", str(counts)]) == 0
    # and a population the akimat holds for Gamma (unknown in the folder), which the mobile team covers
    from geo.region import load_region
    from planning.store.population import PopulationStore, ingest_populations

    assert ingest_populations(
        "Наименование;Население\nГамма;300\n".encode("cp1251"),
        filename="pop.csv",
        region=load_region(TINY),
        store=PopulationStore(path),
        user="tests",
    ).accepted
    ScenarioStore(path).create(
        PLAN,
        "tiny",
        [
            Site("a", "Alpha", "permanent", 42.5, 68.2),
            Site("g", "Gamma team", "mobile", 42.5, 68.7, reach_minutes=45.0),
        ],
        author="tests",
    )
    return path


# --------------------------------------------------------------------------------------------------------
# the CLI prints the pages' figures
# --------------------------------------------------------------------------------------------------------
def _page_figures(at) -> list[str]:
    """The scenarios page's metrics: population, settlements, incidents within 30, then within 60 minutes."""
    return [m.value for m in at.metric][:6]


def _cli_figures(report: dict) -> list[str]:
    from planning.i18n import fmt_number

    return [
        value
        for key in ("30", "60")
        for value in (
            fmt_number(report["thresholds"][key]["population_covered"], "ru"),
            fmt_number(report["thresholds"][key]["settlements_covered"], "ru"),
            report["thresholds"][key]["incidents_covered"],
        )
    ]


def _share_caption(report: dict, key: str) -> str:
    from planning.i18n import fmt_number, t

    figures = report["thresholds"][key]
    return t(
        "scen.population_of",
        "ru",
        share=fmt_number(100.0 * figures["population_share"], "ru", decimals=1),
        total=fmt_number(figures["population_total"], "ru"),
    )


def test_a_saved_scenario_with_uploaded_counts_gives_the_pages_figures(db, capsys):
    code, out, err = _run(capsys, ["coverage", "--region", TINY, "--scenario", "  mobile TEAM at gamma ", "--json"])
    assert code == 0, err
    report = json.loads(out)
    assert report["scenario"] == PLAN and report["services"] == 2
    at = signed_in_app("pages/scenarios.py", role="planner")
    # the page shows this scenario (the oldest), beside the read-only baseline it made of the region's services
    assert [s.name for s in ScenarioStore(db).list_scenarios("tiny")] == [PLAN, "Действующие службы региона"]
    assert next(box for box in at.selectbox if box.label == "Сценарий").value == 1
    print("page:", _page_figures(at), "cli:", _cli_figures(report))
    assert _page_figures(at) == _cli_figures(report)
    captions = [c.value for c in at.caption]
    assert _share_caption(report, "60") in captions and _share_caption(report, "30") in captions
    # the uploaded counts are the ones counted: 30 at Alpha alone are more than the folder's 7 + 2 in all
    assert report["thresholds"]["60"]["incidents_total"] not in ("<5", "9")
    # and the uploaded population: Alpha's 12,000, Beta's 800 and Gamma's 300, with Delta estimated from them
    # (800, the median of the three known: no hamlet is known) and not counted as 0
    assert report["thresholds"]["60"]["population_total"] == 13_900
    assert report["thresholds"]["60"]["population_estimated_total"] == 800
    # by id, and with --db given, the same scenario
    scenario_id = ScenarioStore(db).list_scenarios("tiny")[0].scenario_id
    capsys.readouterr()
    code, out, _ = _run(capsys, ["coverage", "--region", TINY, "--scenario", scenario_id, "--db", db, "--json"])
    assert code == 0 and json.loads(out)["thresholds"] == report["thresholds"]


def _keep_secret(path, secret: bytes) -> None:
    """The database at ``path`` keeps ``secret`` as its release secret (as if it had drawn it on first use)."""
    from planning.store.release import ReleaseSecretStore

    with ReleaseSecretStore(path).transaction() as connection:
        connection.execute(
            "INSERT OR REPLACE INTO release_secret (id, secret, created_at) VALUES (1, ?, '2026-01-01T00:00:00')",
            (secret,),
        )


def test_with_db_the_counts_are_perturbed_under_that_databases_secret(db, tmp_path, monkeypatch, capsys):
    # without QORGAU_RELEASE_SECRET every database keeps its own secret: `--db X` must show what the pages show on
    # X, not the counts perturbed under the secret of the app's own database
    from planning.release import SECRET_ENV_VAR

    argv = ["coverage", "--region", TINY, "--scenario", PLAN, "--db", db, "--json"]
    own = b"the secret database X keeps, 32 b"
    monkeypatch.setenv(SECRET_ENV_VAR, own.decode())
    expected = _cli_figures(json.loads(_run(capsys, argv)[1]))
    others = [f"another deployment's secret no. {i}".encode() for i in range(20)]
    for other in others:  # a secret under which the figures differ (the test would pass by chance otherwise)
        monkeypatch.setenv(SECRET_ENV_VAR, other.decode())
        if _cli_figures(json.loads(_run(capsys, argv)[1])) != expected:
            break
    else:
        pytest.fail("no secret of the list changes the figures")
    monkeypatch.delenv(SECRET_ENV_VAR)
    _keep_secret(db, own)
    at = signed_in_app("pages/scenarios.py", role="planner")  # the page on X (QORGAU_SCENARIO_DB)
    assert _page_figures(at) == expected
    app_db = tmp_path / "another.sqlite"  # now the app's database is another one, which keeps the other secret
    _keep_secret(app_db, other)
    monkeypatch.setenv(DB_ENV_VAR, str(app_db))
    code, out, err = _run(capsys, argv)
    assert code == 0, err
    assert _cli_figures(json.loads(out)) == expected


def test_the_baseline_of_a_region_without_services_gives_the_pages_figures(tmp_path, monkeypatch, capsys):
    region = tmp_path / "tiny"
    shutil.copytree(TINY, region)
    (region / "services.csv").unlink()
    path = tmp_path / "qorgau.sqlite"
    monkeypatch.setenv(DB_ENV_VAR, str(path))
    monkeypatch.setenv("QORGAU_REGION", str(region))
    monkeypatch.chdir(PROJECT)
    counts = tmp_path / "counts.csv"
    counts.write_text(UPLOADED_COUNTS, encoding="utf-8")
    assert main(["import-incidents", "--region", str(region), "--user", "tests", str(counts)]) == 0
    capsys.readouterr()
    at = signed_in_app("pages/scenarios.py", role="planner")  # creates the baseline scenario
    code, out, err = _run(capsys, ["coverage", "--region", region, "--json"])
    assert code == 0, err
    report = json.loads(out)
    print("page:", _page_figures(at), "cli:", _cli_figures(report))
    assert _page_figures(at) == _cli_figures(report)
    assert _share_caption(report, "60") in [c.value for c in at.caption]


# --------------------------------------------------------------------------------------------------------
# travel-times and isochrones use the baseline like coverage
# --------------------------------------------------------------------------------------------------------
def test_travel_commands_use_the_baseline_when_the_region_has_no_services(tmp_path, capsys, monkeypatch):
    import geopandas as gpd
    import pandas as pd

    from geo.region import load_region
    from planning.baseline import current_services

    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "none.sqlite"))
    region = tmp_path / "tiny"
    shutil.copytree(TINY, region)
    (region / "services.csv").unlink()
    baseline = set(current_services(load_region(region))["service_id"])
    assert baseline
    out = tmp_path / "tt.csv"
    code, _, err = _run(capsys, ["travel-times", "--region", region, "--out", out])
    assert code == 0, err
    table = pd.read_csv(out, keep_default_na=False)
    assert set(table["service_id"]) - {""} <= baseline and (table["service_id"] != "").any()
    assert "baseline" in err
    bands = tmp_path / "b.geojson"
    code, _, err = _run(capsys, ["isochrones", "--region", region, "--minutes", "30", "--out", bands])
    assert code == 0, err
    assert len(gpd.read_file(bands)) == len(baseline)


# --------------------------------------------------------------------------------------------------------
# districts by name or code
# --------------------------------------------------------------------------------------------------------
def test_districts_are_found_by_id_name_in_any_language_and_code():
    from geo.region import load_region
    from planning.lookup import NotFoundError, find_district

    districts = load_region(TINY).districts
    for given in ("W", "w", "Западный", " западный ", "Батыс", "WEST"):
        assert find_district(districts, given) == "W"
    with pytest.raises(NotFoundError) as missing:
        find_district(districts, "Сузакский")
    assert "W: Западный / Батыс / West" in missing.value.choices
    assert find_district(districts, "Западный район") == "W"
    with pytest.raises(NotFoundError):
        find_district(districts, "Зап")  # too short a start to stand for a name


@needs_shared
def test_real_districts_by_name_and_kato_code():
    from geo.region import load_region
    from planning.lookup import find_district

    districts = load_region(SHARED_TURKISTAN).districts
    for given in ("Сузакский", "сузакский", "Созақ", "SUZAK", "KZ615600", "615600", "615600000"):
        assert find_district(districts, given) == "KZ615600", given
    assert find_district(districts, "енбекшинскийский") == "KZ791510"  # the data's own spelling
    assert find_district(districts, "Тюлькубасский") == find_district(districts, "тюлькубасский")
    # the forms people write: the adjective, "район"/"ауданы"/"р-н", the short name
    for given, expected in (
        ("Байдибекский", "KZ613600"),
        ("Байдибекский район", "KZ613600"),
        ("Сузак", "KZ615600"),
        ("Түлкібас ауданы", "KZ616000"),
        ("Шардаринский р-н", "KZ616400"),
    ):
        assert find_district(districts, given) == expected, given


def test_info_lists_the_districts_with_ids_and_names(capsys):
    code, out, _ = _run(capsys, ["info", "--region", TINY, "--lang", "en"])
    assert code == 0
    assert re.search(r"W\s+Западный / Батыс / West", out) and re.search(r"E\s+Восточный / Шығыс / East", out)
    code, out, _ = _run(capsys, ["info", "--region", TINY, "--json"])
    assert {"district_id": "W", "name_ru": "Западный", "name_kk": "Батыс", "name_en": "West"} in json.loads(out)[
        "district_list"
    ]


def test_report_takes_a_district_name(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "none.sqlite"))
    out = tmp_path / "w.pdf"
    code, _, err = _run(capsys, ["report", "--region", TINY, "--district", "западный", "--out", out])
    assert code == 0, err
    assert out.read_bytes().startswith(b"%PDF")


# --------------------------------------------------------------------------------------------------------
# wrong input: exit 2, one line naming the argument, no traceback
# --------------------------------------------------------------------------------------------------------
BAD_INPUT = {
    "unknown district (report)": (
        ["report", "--region", TINY, "--district", "Сузакский", "--out", "{tmp}/r.pdf"],
        "--district",
    ),
    "unknown district (coverage)": (["coverage", "--region", TINY, "--district", "nowhere"], "--district"),
    "unknown scenario (coverage)": (["coverage", "--region", TINY, "--scenario", "no such plan"], "--scenario"),
    "unknown scenario id (map)": (
        ["map", "--region", TINY, "--scenario", "999", "--out", "{tmp}/m.html"],
        "--scenario",
    ),
    "unknown scenario (travel-times)": (
        ["travel-times", "--region", TINY, "--scenario", "nope", "--out", "{tmp}/t.csv"],
        "--scenario",
    ),
    "unknown scenario (compare)": (["compare", "--region", TINY, PLAN, "plan B"], "--scenario"),
    "unknown scenario (suggest)": (
        ["suggest", "--region", TINY, "--model", "lscp", "--minutes", "30", "--scenario", "nope"],
        "--scenario",
    ),
    "missing sites file (isochrones)": (
        ["isochrones", "--region", TINY, "--scenario", "{tmp}/missing.csv", "--out", "{tmp}/i.geojson"],
        "missing.csv",
    ),
    "missing database": (["coverage", "--region", TINY, "--db", "{tmp}/missing.sqlite"], "--db"),
    "missing database (audit)": (["audit", "--verify", "--db", "{tmp}/missing.sqlite"], "--db"),
    "missing incident file": (
        ["import-incidents", "--region", TINY, "--user", "x", "{tmp}/missing.csv"],
        "missing.csv",
    ),
    "missing candidates file": (
        [
            "suggest",
            "--region",
            TINY,
            "--model",
            "lscp",
            "--minutes",
            "30",
            "--candidates",
            "upload",
            "--candidates-file",
            "{tmp}/missing.csv",
        ],
        "--candidates-file",
    ),
    "missing region folder": (["info", "--region", "{tmp}/no-region"], "no-region"),
    "bad number (isochrones)": (
        ["isochrones", "--region", TINY, "--minutes", "abc", "--out", "{tmp}/i.geojson"],
        "--minutes",
    ),
    "bad number (coverage)": (["coverage", "--region", TINY, "--minutes", "-5"], "--minutes"),
    "bad number (suggest)": (
        ["suggest", "--region", TINY, "--model", "mclp", "--add", "three", "--minutes", "30"],
        "--add",
    ),
    "missing --add": (["suggest", "--region", TINY, "--model", "mclp", "--minutes", "30"], "--add"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_wrong_input_exits_2_with_one_line(case, db, tmp_path, capsys):
    argv, named = BAD_INPUT[case]
    code, out, err = _run(capsys, [str(a).replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2, (case, err)
    assert "Traceback" not in err and "KeyError" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], lines
    if "scenario" in case and "file" not in case:
        assert f": {PLAN}" in err  # the saved scenarios are listed
    if "district" in case:
        assert "W: Западный / Батыс / West" in err


def test_an_unknown_district_exits_2_from_the_shell_in_the_users_language(tmp_path):
    done = _subprocess(
        "report",
        "--region",
        TINY,
        "--district",
        "Сузакский",
        "--out",
        tmp_path / "r.pdf",
        env_extra={"LANG": "kk_KZ.UTF-8", "LC_ALL": "", DB_ENV_VAR: str(tmp_path / "x")},
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("қате: --district Сузакский: мұндай аудан жоқ") and "E: Восточный" in done.stderr


# --------------------------------------------------------------------------------------------------------
# fast help, no heavy import in any parser
# --------------------------------------------------------------------------------------------------------
def test_help_answers_in_under_a_second_and_a_half():
    for argv in (["--help"], ["coverage", "--help"]):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            done = _subprocess(*argv)
            times.append(time.perf_counter() - start)
            assert done.returncode == 0 and "usage:" in done.stdout
        median = statistics.median(times)
        print(f"python -m planning {' '.join(argv)}: median {median:.2f} s of {[round(t, 2) for t in times]}")
        assert median < HELP_LIMIT_S


def test_no_parser_imports_a_heavy_module():
    code = (
        "import sys; from planning.cli import COMMANDS, build_parser\n"
        "build_parser()\n"
        "for name in COMMANDS: build_parser(name, lang='kk')\n"
        f"print(','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_the_parsers_copies_of_defaults_agree_with_their_modules():
    from geo.isochrones import DEFAULT_BANDS_MINUTES
    from planning.cli import (
        coverage as cli_coverage,
    )
    from planning.cli import (
        report as cli_report,
    )
    from planning.cli import (
        suggest as cli_suggest,
    )
    from planning.cli import (
        travel as cli_travel,
    )
    from planning.coverage import DEFAULT_THRESHOLDS_MINUTES
    from planning.render.report import INCIDENT_LEVELS
    from planning.suggest import CANDIDATE_SOURCES, DEFAULT_MIN_POPULATION

    assert tuple(float(m) for m in cli_travel.DEFAULT_BANDS_TEXT.split(",")) == tuple(map(float, DEFAULT_BANDS_MINUTES))
    assert tuple(float(m) for m in cli_coverage.DEFAULT_THRESHOLDS_TEXT.split(",")) == DEFAULT_THRESHOLDS_MINUTES
    assert cli_report.INCIDENT_LEVELS == INCIDENT_LEVELS
    assert cli_suggest.CANDIDATE_SOURCES == CANDIDATE_SOURCES
    assert cli_suggest.DEFAULT_MIN_POPULATION == DEFAULT_MIN_POPULATION


# --------------------------------------------------------------------------------------------------------
# the user's language
# --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "environ, lang",
    [
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "kk_KZ.UTF-8"}, "kk"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LC_ALL": "kk_KZ.UTF-8", "LANG": "ru_RU.UTF-8"}, "kk"),
        ({"LC_MESSAGES": "ru_RU", "LANG": "en_US"}, "ru"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
        ({"LC_ALL": "", "LANG": "ru"}, "ru"),
    ],
)
def test_the_default_language_comes_from_the_locale(environ, lang):
    assert locale_language(environ) == lang


def test_output_follows_the_locale_and_lang(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "x.sqlite"))
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    code, out, _ = _run(capsys, ["info", "--region", TINY])
    assert code == 0 and "населённые пункты" in out and "районы (id" in out
    code, out, err = _run(capsys, ["--lang", "kk", "coverage", "--region", TINY, "--minutes", "30"])
    assert code == 0, err
    from planning.i18n import fmt_number

    assert "30 минут ішінде" in out and "АЙМАҚ" in out
    assert f"{fmt_number(12000, 'kk')} / {fmt_number(12800, 'kk')}" in out and "12,000" not in out
    code, out, _ = _run(capsys, ["coverage", "--region", TINY, "--minutes", "30", "--lang", "en"])
    assert "within 30 minutes" in out and "12,000 / 12,800" in out
    code, out, _ = _run(capsys, ["--help"])
    assert code == 0 and "минуты от каждого населённого пункта до ближайшей службы" in out
    assert out.startswith("использование:")  # argparse's own words too
    code, _, err = _run(capsys, ["coverage", "--region", TINY, "--district", "Сузакский"])
    assert code == 2 and err.startswith("ошибка: --district Сузакский: такого района нет")


def test_every_cli_message_key_is_in_the_catalog():
    from planning.cli import COMMANDS
    from planning.i18n import CATALOG

    used = set()
    for path in (PROJECT / "planning" / "cli").glob("*.py"):
        used |= set(re.findall(r"""t\(\s*["'](cli\.[\w.-]*\w)["']""", path.read_text(encoding="utf-8")))
    used |= {f"cli.cmd.{name}" for name in COMMANDS} | {f"cli.method.{m}" for m in ("network", "estimate", "none")}
    used |= {f"cli.unknown_{what}" for what in ("district", "scenario")} | {"cli.cmp.gained", "cli.cmp.lost"}
    from planning.cli.region import INFO_LINES

    used |= {f"cli.info.{key}" for key in INFO_LINES}
    assert len(used) > 80
    assert sorted(used - set(CATALOG)) == []
