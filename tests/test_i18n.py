"""The message catalog: every key in every language, placeholders consistent, numbers formatted per language."""

from __future__ import annotations

import re

import pytest

from planning.i18n import CATALOG, LANGUAGES, fmt_number, t


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_key_has_every_language(key):
    missing = [lang for lang in LANGUAGES if not CATALOG[key].get(lang, "").strip()]
    assert not missing, f"message {key!r} lacks {missing}"


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_placeholders_are_the_same_in_every_language(key):
    fields = {lang: set(re.findall(r"{(\w+)", CATALOG[key][lang])) for lang in LANGUAGES}
    assert len({frozenset(f) for f in fields.values()}) == 1, fields


def test_numbers_follow_the_language():
    assert fmt_number(12300, "ru") == "12\u202f300" and fmt_number(12300, "en") == "12,300"
    assert fmt_number(12.5, "kk", decimals=1) == "12,5" and fmt_number(12.5, "en", decimals=1) == "12.5"
    assert fmt_number(float("nan"), "en") == "—"


def test_values_are_formatted_when_filled_in():
    assert t("home.warnings", "en", n=1234) == "Warnings (1,234)"
    assert t("home.warnings", "ru", n=1234) == "Предупреждения (1\u202f234)"
