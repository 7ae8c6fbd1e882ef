"""Rendered map pieces kept as text instead of compiled again as Jinja templates (issue 24: the map's time).

branca (folium's page builder) wraps every piece a map element renders (each marker's, tooltip's and layer's
script and HTML) in a new ``Element(text)``, and ``Element.__init__`` compiles that text as a Jinja template, to
render it once more when the page is put together. On the bundled region's Map page that is some two hundred
compilations per map, about half of the time of drawing it (the profile of a rerun in issue 24's note). Text without
Jinja markers renders to itself, so :func:`install` has branca keep such text as it is (:class:`VerbatimTemplate`)
and compile only what has markers; the page is the same, character for character.

Nothing is cached: each piece is handled when it is made, so no text (names, released counts) outlives its map.
"""

from __future__ import annotations

from typing import Any

import branca.element
import jinja2

JINJA_MARKERS = ("{{", "{%", "{#")
"""What makes a text a Jinja template (the default delimiters, which branca uses); text without any of them renders
to itself."""


class VerbatimTemplate:
    """A template without Jinja markers: :meth:`render` gives what ``jinja2.Template(source).render()`` gives, the
    source with its newlines normalised to ``\\n`` and one trailing newline dropped (Jinja's defaults)."""

    def __init__(self, source: str):
        text = source.replace("\r\n", "\n").replace("\r", "\n")
        self.source = source
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, *args: Any, **kwargs: Any) -> str:
        """The text (the arguments have nothing to fill in)."""
        return self.text


def template(source: str) -> jinja2.Template | VerbatimTemplate:
    """``source`` compiled as branca does (``jinja2.Template``) when it has Jinja markers, else kept as text."""
    if any(marker in source for marker in JINJA_MARKERS):
        return jinja2.Template(source)
    return VerbatimTemplate(source)


def install() -> None:
    """Make branca's ``Element(text)`` use :func:`template` (idempotent; process-wide, holds no data)."""
    branca.element.Template = template  # type: ignore[misc,assignment]  # the name Element.__init__ looks up
