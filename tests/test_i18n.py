"""The message catalog: gettext catalogs per language (planning/translations), every message translated in every
language with the same placeholders, CLDR plural forms, numbers and dates per language through Babel."""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural

from planning import translations
from planning.i18n import CATALOG, LANGUAGES, PLURAL_KEYS, fmt_date, fmt_number, t

PROJECT = Path(__file__).resolve().parents[1]
FIELD = re.compile(r"{(\w+)")
LETTERS = re.compile(r"[^\W\d_]")


def _catalogs():
    return {lang: translations.read_po(translations.po_path(lang)) for lang in LANGUAGES}


CATALOGS = _catalogs()
TEMPLATE = translations.read_po(translations.DOMAIN_TEMPLATE)


def _entries(catalog):
    return {m.context: m for m in catalog if m.id and m.context}


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string,)


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (tuple, list)) else (message.id,)


def _untranslated(lang: str) -> list[str]:
    """Keys of the template that ``lang`` lacks, leaves empty or fuzzy, has with the wrong number of plural forms,
    or (ru, kk) leaves in English; a text without letters outside its placeholders may equal the English."""
    entries = _entries(CATALOGS[lang])
    forms = get_plural(lang).num_plurals
    bad = []
    for key in _entries(TEMPLATE):
        message = entries.get(key)
        if message is None or message.fuzzy or not all(s.strip() for s in _strings(message)):
            bad.append(f"{key}: missing, empty or fuzzy")
        elif message.pluralizable and len(_strings(message)) != forms:
            bad.append(f"{key}: {len(_strings(message))} plural forms, {lang} has {forms}")
        elif lang != "en" and any(
            s in _ids(message) and LETTERS.search(FIELD.sub("", s).replace("}", "")) for s in _strings(message)
        ):
            bad.append(f"{key}: still English: {_strings(message)}")
    return bad


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang):
    assert len(_entries(TEMPLATE)) > 700
    bad = _untranslated(lang)
    assert not bad, f"{lang}.po: {len(bad)} untranslated messages:\n" + "\n".join(bad[:30])


def test_the_untranslated_check_finds_each_kind_of_gap(monkeypatch):
    ru = translations.read_po(translations.po_path("ru"))
    keys = ["home.warnings", "home.region", "home.folder"]
    ru.get(_entries(ru)[keys[0]].id, context=keys[0]).string = ""
    message = _entries(ru)[keys[1]]
    ru.get(message.id, context=keys[1]).string = message.id
    ru.delete(_entries(ru)[keys[2]].id, context=keys[2])
    monkeypatch.setitem(CATALOGS, "ru", ru)
    assert sorted(line.split(":")[0] for line in _untranslated("ru")) == sorted(keys)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_exactly_the_template_messages(lang):
    template = {key: m.id for key, m in _entries(TEMPLATE).items()}
    catalog = {key: m.id for key, m in _entries(CATALOGS[lang]).items()}
    assert catalog == template, sorted(set(catalog.items()) ^ set(template.items()))[:10]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_plural_rule_is_cldr_s(lang):
    assert CATALOGS[lang].plural_expr == get_plural(lang).plural_expr
    assert CATALOGS[lang].num_plurals == get_plural(lang).num_plurals


def test_placeholders_are_the_same_in_every_language_and_form():
    wrong = []
    for key, template in _entries(TEMPLATE).items():
        fields = {frozenset(FIELD.findall(text)) for text in _ids(template)}
        for lang in LANGUAGES:
            message = _entries(CATALOGS[lang]).get(key)
            fields |= {frozenset(FIELD.findall(text)) for text in (_strings(message) if message else ())}
        if len(fields) != 1:
            wrong.append(f"{key}: {[sorted(f) for f in fields]}")
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalogs_are_the_po_files():
    for lang in LANGUAGES:
        for key, message in _entries(CATALOGS[lang]).items():
            expected = _strings(message)[-1]
            assert CATALOG[key][lang] == expected, (lang, key)
    assert {k for k, m in _entries(TEMPLATE).items() if m.pluralizable} == PLURAL_KEYS


def test_no_python_message_modules_are_left():
    left = sorted(p.name for p in (PROJECT / "planning" / "messages").glob("*.py") if p.name != "__init__.py")
    assert not left, (
        f"planning/messages/{left} still hold messages: move them into planning/translations/*.po "
        "(python /work/po_convert.py from the repository, or add them with your .po editor)"
    )


def _t_calls():
    """(file, line, key, keywords) of every ``t("literal", ...)`` in the code."""
    for path in [
        *PROJECT.glob("*.py"),
        *(PROJECT / "pages").glob("*.py"),
        *(PROJECT / "planning").rglob("*.py"),
        *(PROJECT / "geo").glob("*.py"),
    ]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield path.relative_to(PROJECT), node.lineno, node.args[0].value, {k.arg for k in node.keywords}


def test_every_key_the_code_asks_for_exists_and_plurals_get_a_count():
    calls = list(_t_calls())
    assert len(calls) > 300
    missing = [f"{p}:{line} {key}" for p, line, key, _ in calls if key not in CATALOG]
    uncounted = [
        f"{p}:{line} {key}"
        for p, line, key, keywords in calls
        if key in PLURAL_KEYS and "count" not in keywords and None not in keywords
    ]
    assert not missing, missing
    assert not uncounted, f"plural messages called without count=: {uncounted}"


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("ru", ["1 узел", "3 узла", "5 узлов", "11 узлов", "21 узел", "22 узла", "112 узлов"]),
        ("kk", ["1 түйін", "3 түйін", "5 түйін", "11 түйін", "21 түйін", "22 түйін", "112 түйін"]),
        ("en", ["1 node", "3 nodes", "5 nodes", "11 nodes", "21 nodes", "22 nodes", "112 nodes"]),
    ],
)
def test_plural_forms_follow_the_language(lang, expected):
    assert [t("roadpage.n_nodes", lang, count=n) for n in (1, 3, 5, 11, 21, 22, 112)] == expected


def test_villages_read_right_in_russian():
    assert [t("report.summary_villages_more", "ru", count=n) for n in (1, 3, 5)] == [
        "на 1 населённый пункт больше",
        "на 3 населённых пункта больше",
        "на 5 населённых пунктов больше",
    ]
    assert (
        t("report.summary_some_lose", "ru", count=1234, people=5)
        == "1\u00a0234 населённых пункта (жителей: 5) теряют доступ"
    )


def test_a_plural_message_without_count_is_an_error():
    with pytest.raises(TypeError, match="count"):
        t("roadpage.n_nodes", "ru")


def test_numbers_follow_the_language():
    assert fmt_number(12300, "ru") == "12\u00a0300" and fmt_number(12300, "en") == "12,300"
    assert fmt_number(12300, "kk") == "12\u00a0300"
    assert fmt_number(12.5, "kk", decimals=1) == "12,5" and fmt_number(12.5, "en", decimals=1) == "12.5"
    assert fmt_number(float("nan"), "en") == "—" and fmt_number(None, "ru") == "—"


def test_dates_follow_the_language():
    day = datetime.date(2026, 3, 5)
    assert fmt_date(day, "ru") == "5 мар. 2026\u202fг."
    assert fmt_date(day, "en") == "Mar 5, 2026"
    assert "2026" in fmt_date(day, "kk") and "нау" in fmt_date(day, "kk")
    assert fmt_date("2026-03-05T10:00:00+00:00", "ru", style="long") == "5 марта 2026\u202fг."


def test_values_are_formatted_when_filled_in():
    assert t("home.warnings", "en", n=1234) == "Warnings (1,234)"
    assert t("home.warnings", "ru", n=1234) == "Предупреждения (1\u00a0234)"


def test_counts_are_shown_in_the_language_whatever_their_type():
    import numpy as np

    from planning.i18n import fmt_count

    for value in (5715, np.int64(5715), "5715"):  # an int, a numpy count, a released incident cell
        assert fmt_count(value, "ru") == "5\u00a0715" and fmt_count(value, "en") == "5,715"
    assert fmt_count("<5", "ru") == "<5" and fmt_count("—", "kk") == "—"
