"""The gettext catalogs of every user-visible message: ``messages.pot`` (the template), ``ru.po``, ``kk.po``,
``en.po``, compiled to ``<lang>.mo`` by the build (``make translations``, run by ``make install``/``run``/``test``;
by hand ``python -m planning.translations``).

The msgid scheme
----------------
Each message is one gettext entry whose

* ``msgctxt`` is the message key that the code passes to :func:`planning.i18n.t` (``"home.warnings"``),
* ``msgid`` is the English source text (``"Warnings ({n})"``), with ``msgid_plural`` for a message that depends
  on a count (``"{count} village"`` / ``"{count} villages"``),
* ``msgstr`` (``msgstr[0..n]`` for plurals, as many as the file's ``Plural-Forms`` header asks: CLDR's rules via
  Babel, three forms in Russian, two in Kazakh and English) is the text in that file's language.

Placeholders are Python ``str.format`` fields (``{n}``, flag ``python-brace-format``); translators keep them.
The code never sees the English msgid: it asks by key, so fixing an English wording is a msgid change that
``pybabel update`` (or Poedit's "update from POT") marks fuzzy in the other languages, i.e. to be re-checked.
``en.po`` is a catalog like the others (its msgstr are the English texts shown), so every language is read the
same way. ``tests/test_i18n.py`` fails on a message that is missing, empty, fuzzy, left in English in ru/kk, or
whose placeholders differ between languages.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages import mofile, pofile
from babel.messages.catalog import Catalog

from geo.errors import QorgauError

FOLDER = Path(__file__).resolve().parent
DOMAIN_TEMPLATE = FOLDER / "messages.pot"
LANGUAGES = ("ru", "kk", "en")


class TranslationsNotCompiledError(QorgauError, RuntimeError):
    """A ``.mo`` file is missing or older than its ``.po`` file."""


@dataclass(frozen=True)
class Entry:
    """One message in one language: ``text`` (singular), or ``forms`` indexed by the language's ``plural``."""

    text: str
    forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Language:
    """The compiled catalog of one language: entries by key, and the plural rule (count -> form index)."""

    code: str
    entries: dict[str, Entry]
    plural_forms: str
    plural: Callable[[Any], int]  # gettext's compiled Plural-Forms rule (any number)

    def form_index(self, count: float) -> int:
        """Index into :attr:`Entry.forms` for ``count`` under this language's ``Plural-Forms`` rule."""
        return int(self.plural(abs(count)))


def po_path(lang: str) -> Path:
    return FOLDER / f"{lang}.po"


def mo_path(lang: str) -> Path:
    return FOLDER / f"{lang}.mo"


def read_po(path: Path) -> Catalog:
    """The catalog in ``path`` (a ``.po`` or ``.pot`` file)."""
    with path.open("rb") as handle:
        return pofile.read_po(handle, locale=None if path.suffix == ".pot" else path.stem, abort_invalid=True)


def compile_catalogs(langs: Iterable[str] = LANGUAGES) -> list[Path]:
    """Write ``<lang>.mo`` from ``<lang>.po`` for every language (fuzzy entries are left out, as msgfmt does);
    returns the files written."""
    written = []
    for lang in langs:
        catalog = read_po(po_path(lang))
        with mo_path(lang).open("wb") as handle:
            mofile.write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path(lang))
    return written


def load(lang: str) -> Language:
    """The compiled catalog of ``lang``.

    Raises
    ------
    TranslationsNotCompiledError
        When ``<lang>.mo`` is missing or older than ``<lang>.po`` (run ``make translations``).
    """
    po, mo = po_path(lang), mo_path(lang)
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        state = "is missing" if not mo.exists() else "is older than " + po.name
        raise TranslationsNotCompiledError(
            f"planning/translations/{mo.name} {state}: the message catalogs are compiled in the build. "
            "Fix: run `make translations` (or `python -m planning.translations`)."
        )
    with mo.open("rb") as handle:
        catalog = mofile.read_mo(handle)
    entries: dict[str, Entry] = {}
    for message in catalog:
        if not message.id or message.context is None:
            continue  # the header
        if isinstance(message.id, (tuple, list)):
            forms = tuple(str(form) for form in message.string or ())
            entries[message.context] = Entry(text=forms[-1], forms=forms)
        else:
            entries[message.context] = Entry(text=str(message.string))
    plural_forms = catalog.mime_headers and dict(catalog.mime_headers).get("Plural-Forms", "") or ""
    expression = plural_forms.split("plural=", 1)[1].rstrip(";") if "plural=" in plural_forms else "(n != 1)"
    return Language(code=lang, entries=entries, plural_forms=plural_forms, plural=gettext.c2py(expression))
