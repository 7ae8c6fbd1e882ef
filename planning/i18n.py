"""One message catalog for every label, message, legend and export: Russian (default), Kazakh and English.

``t(key, lang, **values)`` formats a message; numbers go through :func:`fmt_number` so that they follow the
language's conventions (a thin space between thousands and a decimal comma in ru/kk, a comma and a point in en).
A test fails if any key lacks a language. Messages live in topic modules under ``planning/messages/`` (one per
page or subject), merged here into the one catalog.
"""

from __future__ import annotations

import importlib
import math
import pkgutil

from planning import messages

LANGUAGES = ("ru", "kk", "en")
DEFAULT_LANGUAGE = "ru"
LANGUAGE_NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}

CATALOG: dict[str, dict[str, str]] = {}
"""Every message, merged from the topic modules in :mod:`planning.messages` (each defines ``MESSAGES``)."""


def _load_catalog() -> None:
    for info in sorted(pkgutil.iter_modules(messages.__path__), key=lambda m: m.name):
        topic = importlib.import_module(f"{messages.__name__}.{info.name}")
        clash = set(topic.MESSAGES) & set(CATALOG)
        if clash:
            raise KeyError(f"message keys defined twice (planning/messages/{info.name}.py): {sorted(clash)}")
        CATALOG.update(topic.MESSAGES)


_load_catalog()


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The message ``key`` in ``lang`` with ``values`` filled in (numbers formatted for the language)."""
    entry = CATALOG[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    if values:
        text = text.format(**{k: fmt_number(v, lang) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                              for k, v in values.items()})
    return text


def fmt_number(value: float | int, lang: str = DEFAULT_LANGUAGE, *, decimals: int = 0) -> str:
    """``12 300`` / ``12,5`` in ru and kk; ``12,300`` / ``12.5`` in en. NaN is "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{decimals}f}"
    if lang in ("ru", "kk"):
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def place_names(frame, lang: str) -> list[str]:
    """Names of the places in ``frame`` (settlements or districts) in ``lang`` where the data has them, else the
    display name, the Russian, Kazakh or English name, else the id."""
    fallbacks = [f"name_{lang}", "name", "name_ru", "name_kk", "name_en"]
    columns = [frame[c].to_numpy(dtype=object) for c in fallbacks if c in frame]
    id_column = next((c for c in ("settlement_id", "district_id", "service_id") if c in frame), None)
    ids = frame[id_column].to_numpy(dtype=object) if id_column else [""] * len(frame)
    return [next((v for v in values if isinstance(v, str) and v), str(i)) for i, *values in zip(ids, *columns)]

