"""One language at a time: every page, rendered in Russian and in Kazakh (AppTest), shows none of Streamlit's
English defaults or our known English leaks ("unknown", "None", "nan", an empty placeholder that Streamlit fills
with "Choose an option"), and the texts the app makes itself (audit actions, user errors, scenario and service
names, source lines) follow the reader's language."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import DEFAULT_REGION, NON_TEXT_FIELDS, PROJECT, sign_in_session
from google.protobuf.json_format import MessageToDict

from planning.i18n import made_name, t
from planning.store import access

LEAKS = re.compile(
    r"\b(unknown|None|nan|NaN|n/a)\b|Choose options|Choose an option|Drag and drop|Browse files|"
    r"\bSearch\b|\bUpload\b|per file"
)
"""Streamlit's English defaults and the English words our tables and messages used to leak."""

PAGES = {
    "planner": [
        "pages/home.py",
        "pages/map.py",
        "pages/scenarios.py",
        "pages/compare.py",
        "pages/suggest.py",
        "pages/present.py",
        "pages/reports.py",
        "pages/roads.py",
        "pages/upload.py",
        "pages/password.py",
    ],
    "admin": ["pages/users.py"],
}
SKIP_FIELDS = NON_TEXT_FIELDS | {"body"}
"""Proto fields that are not text the reader sees (ids, arrow bytes, html bodies, component arguments)."""


def _strings(value, field: str = ""):
    if field in SKIP_FIELDS:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, key)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner, field)


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def shown_texts(at) -> list[str]:
    """Every text an AppTest run shows: element protos' strings (labels, options, placeholders, help, messages)
    and the cells and column names of every table."""
    texts: list[str] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if node.type == "html" or proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        if node.type in ("dataframe", "table"):
            frame = node.value
            texts += [str(c) for c in frame.columns]
            cells = frame.astype(object).to_numpy().ravel()
            if getattr(proto, "placeholder", ""):  # the browser draws missing cells as the placeholder
                cells = [proto.placeholder if pd.isna(v) else v for v in cells]
            texts += [str(v) for v in cells]
            continue
        texts += list(_strings(MessageToDict(proto)))
        if node.type in ("selectbox", "multiselect"):
            if not proto.placeholder and (node.type == "multiselect" or not proto.HasField("default")):
                texts.append(f"{proto.label}: Choose an option (no placeholder=)")
    return texts


def _app(monkeypatch, tmp_path, lang: str, role: str):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("QORGAU_REGION", str(DEFAULT_REGION))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.chdir(PROJECT)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    sign_in_session(at, "tester", role)
    at.session_state["lang"] = lang
    at.run()
    return at


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_no_english_on_any_page(monkeypatch, tmp_path, lang):
    leaks = []
    for role, pages in PAGES.items():
        at = _app(monkeypatch, tmp_path, lang, role)
        for page in pages:
            if page == "pages/users.py":
                page = "pages/admin.py"
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
            leaks += [f"{page}: {text!r}" for text in shown_texts(at) if LEAKS.search(text)]
    assert not leaks, "\n".join(sorted(set(leaks)))


def test_the_scan_sees_a_leak(monkeypatch, tmp_path):
    """The scan is not blind: a page that shows "None" in a table and a selectbox without placeholder is caught."""
    script = tmp_path / "leaky.py"
    script.write_text(
        "import streamlit as st\nimport pandas as pd\n"
        "st.dataframe(pd.DataFrame({'a': [None, 'x']}))\n"
        "st.selectbox('Район', ['a', 'b'], index=None)\n",
        encoding="utf-8",
    )
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(script), default_timeout=60).run()
    found = [text for text in shown_texts(at) if LEAKS.search(text)]
    assert any(text in ("None", "nan") for text in found) and any("Choose an option" in text for text in found), found


def test_the_admin_page_shows_actions_and_errors_in_the_language(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "kk", "admin")
    store = access.AccessStore()
    access.create_user(store, "dana", role="planner", password="correct horse battery staple", by="tester")
    at.switch_page("pages/admin.py").run()
    table = next(frame.value for frame in at.dataframe if t("admin.col.action", "kk") in frame.value.columns)
    actions = set(table[t("admin.col.action", "kk")])
    assert t("audit.create user", "kk") in actions and "create user" not in actions
    with pytest.raises(access.UserError) as caught:
        access.create_user(store, "dana", role="planner", password="correct horse battery staple", by="tester")
    assert caught.value.message("ru") == "пользователь с именем dana уже есть. Как исправить: выберите другое имя."
    assert caught.value.message("en") == str(caught.value).replace("'dana'", "dana")


def test_names_the_app_makes_follow_the_reader():
    baseline_ru = t("scen.baseline_name", "ru")
    assert made_name(baseline_ru, "kk") == t("scen.baseline_name", "kk")
    assert made_name(t("scen.current_name", "kk"), "ru") == t("scen.current_name", "ru")
    assert made_name("Служба: Абай", "kk") == "Қызмет: Абай" and made_name("Қызмет: Абай", "ru") == "Служба: Абай"
    assert made_name("Мой план", "kk") == "Мой план"


def test_source_lines_follow_the_reader():
    from geo.region import load_region
    from planning.render.report import source_lines

    region = load_region(DEFAULT_REGION)
    for lang in ("ru", "kk"):
        lines = source_lines(region, lang)
        assert len(lines) == len(region.meta["sources"])
        assert not [line for line in lines if re.search(r"\b(shipped|people|generated by|package under)\b", line)], (
            lines
        )


def test_speed_profile_description_is_in_the_language():
    from geo.region import load_region
    from planning.analysis import site_minutes_for

    minutes = site_minutes_for(load_region(PROJECT / "tests" / "data" / "tiny"))
    for lang in ("ru", "kk"):
        text = minutes.describe(lang)
        assert not re.search(r"\b(speeds?|built-in|profile|estimate|km/h|from the file)\b", text), (lang, text)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_road_network_profile_is_described_in_the_language(lang):
    from geo.speeds import DEFAULT_PROFILE
    from planning.analysis import describe_profile

    text = describe_profile(DEFAULT_PROFILE.with_adjustments(), lang)
    assert not re.search(r"\b(motorway|trunk|primary|secondary|tertiary|residential|track)\b", text), text
    assert t("road_class.trunk", lang) in text
