"""Validation problems in the reader's language: every Problem key has its catalog entries, and a broken region
file is reported in Russian and Kazakh with its file name, line numbers and column."""

from __future__ import annotations

import re

import pytest
from conftest import PROJECT, sign_in_session
from streamlit.testing.v1 import AppTest

from geo.errors import Problem, RegionError
from geo.region import load_region
from planning.i18n import CATALOG, format_problem

SOURCES = [
    "geo/region.py",
    "geo/tabular.py",
    "geo/incidents.py",
    "planning/store/intake.py",
    "planning/intake/uploads.py",
    "planning/intake/incidents.py",
    "planning/intake/outlines.py",
    "planning/scenarios.py",
    "geo/speeds.py",
    "planning/store/population.py",
    "planning/intake/population.py",
]
KEY_RE = re.compile(r'key="(\w+)"')
ENGLISH_WORDS = re.compile(r"\b(expected|negative|values|line|lines|column|Fix|number|empty|cells)\b")


def _keys() -> set[str]:
    return {k for path in SOURCES for k in KEY_RE.findall((PROJECT / path).read_text(encoding="utf-8"))}


def test_every_problem_in_the_loaders_has_a_key():
    for path in SOURCES:
        text = (PROJECT / path).read_text(encoding="utf-8")
        # a shared builder (geo.tabular.rows_problem, missing_columns) passes on the key its caller must give
        # (`key: str`, keyword-only, no default); its callers' literal keys are counted by KEY_RE
        calls = text.count("Problem(") - text.count("def Problem(") - len(re.findall(r"\bkey=key\b", text))
        assert len(KEY_RE.findall(text)) >= calls, f"{path}: a Problem without key="


def test_every_key_in_the_code_is_in_the_catalog():
    keys = _keys()
    assert len(keys) > 80
    missing = sorted(k for k in keys for entry in (f"problem.{k}", f"problem.{k}.fix") if entry not in CATALOG)
    assert not missing, missing


def _problems(region_with, broken: str, as_: str) -> list[Problem]:
    with pytest.raises(RegionError) as caught:
        load_region(region_with(broken, as_=as_))
    return caught.value.problems


@pytest.mark.parametrize(
    "lang, line, column, fix",
    [
        ("ru", "строка 3", "столбец «population»", "Как исправить:"),
        ("kk", "жол 3", "«population» бағаны", "Қалай түзетуге болады:"),
    ],
)
def test_a_broken_file_is_reported_in_the_language(region_with, lang, line, column, fix):
    problems = _problems(region_with, "settlements_bad_numbers.csv", "settlements.csv")
    negative = next(p for p in problems if p.key == "negative_values")
    text = format_problem(negative, lang)
    assert text.startswith("settlements.csv: ") and line in text and column in text and fix in text
    assert not ENGLISH_WORDS.search(text), text
    assert text != negative.format() and format_problem(negative, "en") == negative.format()


def test_more_than_ten_lines_are_cut_in_the_language():
    problem = Problem(
        "incidents.csv",
        "counts cannot be negative.",
        "correct those counts.",
        column="count",
        rows=tuple(range(2, 20)),
        key="incidents_count_negative",
    )
    assert "строки 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 (ещё 8)" in format_problem(problem, "ru")
    assert format_problem(problem, "en") == problem.format()


def test_parameters_are_filled_in_and_numbers_follow_the_language():
    problem = Problem(
        "x.csv",
        "has about 12,300 rows; at most 10,000 are accepted.",
        "aggregate the data (one row per settlement and period) or split the file.",
        key="too_many_rows",
        params=(("rows", 12300), ("limit", 10000)),
    )
    assert "12\u00a0300" in format_problem(problem, "ru") and "10\u00a0000" in format_problem(problem, "kk")
    assert format_problem(problem, "en") == problem.format()


def test_a_problem_without_key_falls_back_to_english():
    problem = Problem("scenario.csv", "a site needs an id.", "give every site its own id.", column="id")
    assert format_problem(problem, "ru") == problem.format()


def test_home_page_shows_the_problems_in_russian(monkeypatch, region_with, tmp_path):
    monkeypatch.setenv("QORGAU_REGION", str(region_with("settlements_bad_numbers.csv", as_="settlements.csv")))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.chdir(PROJECT)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    sign_in_session(at, "tester", "planner")
    at.run()
    assert not at.exception, at.exception
    shown = at.code[0].value
    assert "settlements.csv" in shown and "отрицательные значения" in shown and "ожидалось число" in shown
    assert "negative values" not in shown
