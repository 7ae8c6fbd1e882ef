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



def format_problem(problem, lang: str = DEFAULT_LANGUAGE, *, max_rows: int = 10) -> str:
    """A validation problem (:class:`geo.errors.Problem`) as one line in ``lang``, laid out like
    ``Problem.format``: file, lines (at most ``max_rows`` shown), column, what is wrong, how to fix it.

    Problems with a ``key`` are rendered from ``problem.<key>`` and ``problem.<key>.fix`` with their ``params``;
    any other problem falls back to its English :meth:`~geo.errors.Problem.format`.
    """
    if not problem.key:
        return problem.format(max_rows=max_rows)
    values = {name: _problem_value(value, lang) for name, value in problem.params}
    parts = [problem.file]
    if problem.rows:
        shown = ", ".join(str(r) for r in problem.rows[:max_rows])
        if len(problem.rows) > max_rows:
            shown += " " + t("problem_format.more", lang, n=len(problem.rows) - max_rows)
        plural = "s" if len(problem.rows) > 1 else ""
        parts.append(t(f"problem_format.{problem.unit}{plural}", lang, rows=shown))
    if problem.column:
        parts.append(t("problem_format.column", lang, column=problem.column))
    text = f"{': '.join(parts)}: {_catalog_text(f'problem.{problem.key}', lang, values)}"
    if problem.fix:
        text += " " + t("problem_format.fix", lang, fix=_catalog_text(f"problem.{problem.key}.fix", lang, values))
    return text


def _catalog_text(key: str, lang: str, values: dict) -> str:
    entry = CATALOG[key]
    return (entry.get(lang) or entry[DEFAULT_LANGUAGE]).format(**values)


def _problem_value(value, lang: str) -> str:
    """A problem parameter as text: numbers in the language's style (one decimal when not whole)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return fmt_number(value, lang, decimals=0 if float(value).is_integer() else 1)
