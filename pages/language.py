"""The language of this session: chosen in app.py's switch, kept in the URL and a cookie across reloads (F5), and
Streamlit's own English texts drawn in it.

The lowest of the pages' helper modules (:mod:`pages.session`, :mod:`pages.auth` and :mod:`pages.widgets` read it;
it reads none of them).
"""

from __future__ import annotations

import streamlit as st

from planning.i18n import DEFAULT_LANGUAGE, t

FRAMED_KEY = "_qorgau_framed"
"""Set by app.py in every session it runs in."""


def lang() -> str:
    """The language of this session; also makes sure the page runs inside app.py's navigation.

    Streamlit runs a fresh server's very first request in its legacy ``pages/``-directory mode (the folder name
    our layout uses) until some session calls ``st.navigation``. A page reached that way reruns itself once
    through app.py, so the language switch, the navigation and the access checks are always there.
    """
    if FRAMED_KEY not in st.session_state:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()
    return st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)


# --- the language survives a reload ---------------------------------------------------------------------------
# The language lives in st.session_state["lang"] (app.py's switch in the sidebar; language_switch on pages without
# it). A reload (F5) starts a new Streamlit session, so it is also kept where the browser keeps it: in the URL's
# query (?lang=kk, on every page: app.py writes it on every run, page changes included) and in a cookie (for a URL
# without it: a bookmark of the bare address, the return from an identity provider). The URL wins over the cookie.
LANGUAGE_KEY = "lang"
"""st.session_state key of the session's language (the widget key of app.py's switch)."""
LANGUAGE_CHOICE_KEY = "lang_choice"
"""Widget key of app.py's language switch in the sidebar. The session's language itself is the plain session value
LANGUAGE_KEY, which Streamlit never resets: a widget's own state can be dropped on a page switch (st.switch_page
after signing in did), and the session then fell back to Russian."""
LANGUAGE_PARAM = "lang"
"""URL query parameter that carries the language (``?lang=kk``)."""
LANGUAGE_COOKIE = "qorgau_lang"
"""Cookie that remembers the browser's last language (not HttpOnly: the page's script sets it; it holds only a
language code, which is checked against planning.i18n.LANGUAGES when read)."""
LANGUAGE_COOKIE_MAX_AGE_S = 365 * 24 * 3600
"""How long the browser keeps the language cookie, in seconds (a year)."""


def asked_language() -> str | None:
    """The language the browser asks for: the URL's ``?lang=``, else the language cookie; None when neither names
    one of planning.i18n.LANGUAGES."""
    from planning.i18n import LANGUAGES

    for value in (st.query_params.get(LANGUAGE_PARAM), context_text(st.context.cookies.get(LANGUAGE_COOKIE))):
        if value in LANGUAGES:
            return value
    return None


def start_language() -> str:
    """On a session's first run (a new tab, a reload), set its language to :func:`asked_language` (else the
    default); later runs keep what the reader chose. Called by app.py before its language switch."""
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = asked_language() or DEFAULT_LANGUAGE
    return st.session_state[LANGUAGE_KEY]


def keep_language(language: str) -> None:
    """Write ``language`` into the URL (``?lang=``) unless it is there already; called by app.py on every run, so
    the parameter is back on each page the reader opens, and F5 or a copied link comes back in this language."""
    if st.query_params.get(LANGUAGE_PARAM) != language:
        st.query_params[LANGUAGE_PARAM] = language


def language_cookie_tag(language: str) -> str:
    """A script (for ``st.html(..., unsafe_allow_javascript=True)``) that stores ``language`` in the browser's
    language cookie (path: the app's base path, SameSite=Strict, :data:`LANGUAGE_COOKIE_MAX_AGE_S`)."""
    import json

    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    cookie = f"{LANGUAGE_COOKIE}={language}; path=/{base}; max-age={LANGUAGE_COOKIE_MAX_AGE_S}; samesite=strict"
    return f"<script>document.cookie = {json.dumps(cookie)};</script>"


def language_switch(*, key: str) -> str:
    """The three languages as one row of buttons, for a page that hides the sidebar (the presentation): a click
    changes the session's language (app.py's switch follows). Returns the session's language."""
    from planning.i18n import LANGUAGE_NAMES, LANGUAGES

    current = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    st.session_state[key] = current

    def switch() -> None:
        chosen = st.session_state.get(key)
        if chosen in LANGUAGES:
            st.session_state[LANGUAGE_KEY] = chosen
        else:  # the chosen language clicked again: it stays chosen
            st.session_state[key] = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)

    st.segmented_control(
        " · ".join(t("app.language", code) for code in LANGUAGES),
        LANGUAGES,
        format_func=LANGUAGE_NAMES.get,
        key=key,
        on_change=switch,
        label_visibility="collapsed",
    )
    return current


def context_text(value) -> str:
    """A value of st.context as text ("" when absent, or not text as in AppTest)."""
    return value if isinstance(value, str) else ""


# --- Streamlit's own English, in the reader's language ------------------------------------------------------------
STREAMLIT_TEXT_KEYS = (
    "Upload",
    "Drag and drop a file here",
    "Drag and drop files here",
    "Choose an option",
    "Choose options",
    "No results",
    "Search",
    "Close Search",
    "Next Result",
    "Previous Result",
    "Download as CSV",
    "Fullscreen",
    "Close fullscreen",
    "Show/hide columns",
    "Clear all",
    "Running...",
    "Stop",
)
"""Texts that Streamlit 1.67's widgets draw in English with no parameter to change them (file uploader button
and drop text, selectbox/multiselect empty states, the table toolbar's tooltips and aria-labels, the running
indicator); catalog keys ``streamlit.<text>``."""

_TEXTS_SCRIPT = """<div hidden data-qorgau-texts="%s"></div><script>
(() => {
  if (window.__qorgauTexts) { window.__qorgauTexts.refresh(); return; }
  const q = window.__qorgauTexts = {touched: new Map(), raw: null, spec: null};
  const sizes = /^(\\d+(?:\\.\\d+)?)\\s?(B|KB|MB|GB)( per file)?$/;
  const translate = (english) => {
    const spec = q.spec;
    if (Object.prototype.hasOwnProperty.call(spec.texts, english)) return spec.texts[english];
    const m = sizes.exec(english);
    if (!m) return null;
    const size = m[1].replace(".", spec.decimal) + "\\u00a0" + spec.units[m[2]];
    return m[3] ? spec.perFile.replace("{size}", size) : size;
  };
  const fix = (node, attr) => {
    const slot = attr || "#text";
    const now = attr ? node.getAttribute(attr) : node.data;
    const before = (q.touched.get(node) || {})[slot];
    const english = before !== undefined && now === before.shown ? before.english : now && now.trim();
    const text = english ? translate(english) : null;
    if (text === null || text === now) return;
    const record = q.touched.get(node) || {};
    record[slot] = {english, shown: text};
    q.touched.set(node, record);
    if (attr) node.setAttribute(attr, text); else node.data = text;
  };
  const walk = (root) => {
    if (root.nodeType === 3) { fix(root); return; }
    if (root.nodeType !== 1 || root.tagName === "SCRIPT" || root.tagName === "STYLE") return;
    for (const attr of ["aria-label", "placeholder", "title"]) if (root.hasAttribute(attr)) fix(root, attr);
    for (const child of root.childNodes) walk(child);
  };
  q.refresh = () => {  /* the language of the newest run: rewrite again what was rewritten before */
    const holder = document.querySelector("[data-qorgau-texts]");
    if (!holder || holder.dataset.qorgauTexts === q.raw) return;
    q.raw = holder.dataset.qorgauTexts;
    q.spec = JSON.parse(q.raw);
    for (const [node, record] of q.touched) {
      for (const [slot, r] of Object.entries(record)) {
        const text = translate(r.english);
        if (text === null) continue;
        if (slot === "#text") node.data = text; else node.setAttribute(slot, text);
        r.shown = text;
      }
    }
    walk(document.body);
  };
  new MutationObserver((changes) => {
    q.refresh();
    for (const c of changes) {
      if (c.type === "characterData") fix(c.target);
      else if (c.type === "attributes") c.attributeName === "data-qorgau-texts" ? null : fix(c.target, c.attributeName);
      else c.addedNodes.forEach(walk);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ["aria-label", "placeholder", "title", "data-qorgau-texts"]});
  q.refresh();
})();
</script>"""


def streamlit_texts_tag(language: str) -> str | None:
    """A script (for ``st.html(..., unsafe_allow_javascript=True)``, drawn once by app.py) that rewrites
    Streamlit's own English texts (:data:`STREAMLIT_TEXT_KEYS`, and "25MB per file"-style sizes) into ``language``
    as the browser draws them, and back when the language changes; None for English.

    The texts come from the catalog (``streamlit.*``), so translators see them with every other message."""
    import html
    import json

    if language == "en":
        return None
    spec = {
        "texts": {text: t(f"streamlit.{text}", language) for text in STREAMLIT_TEXT_KEYS},
        "units": {unit: t(f"streamlit.unit.{unit}", language) for unit in ("B", "KB", "MB", "GB")},
        "perFile": t("streamlit.per_file", language, size="{size}"),
        "decimal": t_decimal(language),
    }
    return _TEXTS_SCRIPT % html.escape(json.dumps(spec, ensure_ascii=False), quote=True)


def t_decimal(language: str) -> str:
    """The decimal sign of ``language`` (CLDR)."""
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(language)
