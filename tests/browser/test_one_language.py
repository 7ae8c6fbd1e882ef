"""Streamlit's own English (the file uploader's button, size limit and drop text, the table toolbar's tooltips and
labels, widget placeholders) is drawn in the reader's language in a real browser, in Russian and in Kazakh; every
page's screenshot goes to tests/artifacts/lang_<lang>_<page>.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from planning.i18n import t
from tests.browser.conftest import ARTIFACTS, SETTLED, open_page, sign_in, wait_idle

ENGLISH = re.compile(
    r"\b(Upload|Drag and drop|Browse files|per file|Choose options?|Choose an option|Search|"
    r"Download as CSV|Fullscreen|Show/hide columns|No results|unknown|None|nan)\b"
)
PAGES = (
    "nav.home",
    "nav.map",
    "nav.scenarios",
    "nav.compare",
    "nav.suggest",
    "nav.reports",
    "nav.roads",
    "nav.upload",
    "nav.password",
    "nav.present",
)
"""Every page a planner opens; the presentation last (it hides the sidebar)."""


def _english_on_the_page(page) -> list[str]:
    """English words in the page's visible text and in its aria-labels, placeholders and titles."""
    texts = page.evaluate("""() => {
        const out = [document.querySelector('[data-testid=stMain]')?.innerText || ''];
        document.querySelectorAll('[aria-label], [placeholder], [title]').forEach(e => {
            for (const a of ['aria-label', 'placeholder', 'title']) if (e.hasAttribute(a)) out.push(e.getAttribute(a));
        });
        return out;
    }""")
    return sorted({m.group(0) for text in texts for m in ENGLISH.finditer(text)})


def _settled(page, timeout_ms: int = 90_000) -> None:
    """Wait until nothing runs (open_page has waited for the page's run) and the page has painted what it shows."""
    wait_idle(page, timeout_ms, new_run=False)
    page.wait_for_function("() => document.querySelector('[data-testid=stMain]')?.innerText.length > 40")
    page.evaluate(SETTLED)


def _switch_language(page, lang: str) -> None:
    if lang == "ru":
        return
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="Қазақша").click()
    page.get_by_role("link", name=t("nav.home", lang)).wait_for(timeout=60_000)
    wait_idle(page)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_streamlit_widgets_speak_the_language(server, page, lang):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, server, "pat")
    _switch_language(page, lang)
    # the uploader of the incident page: button, size limit, drop text while a file is dragged over it
    open_page(page, t("nav.upload", lang))
    _settled(page)
    dropzone = page.locator("[data-testid=stFileUploaderDropzone]").first
    dropzone.wait_for(timeout=60_000)
    assert t("streamlit.Upload", lang) in dropzone.inner_text()
    assert t("streamlit.per_file", lang, size="25\u00a0" + t("streamlit.unit.MB", lang)) in dropzone.inner_text()
    transfer = page.evaluate_handle(
        "() => { const d = new DataTransfer(); d.items.add(new File(['x'], 'a.csv')); return d; }"
    )
    dropzone.dispatch_event("dragenter", {"dataTransfer": transfer})
    expect(dropzone).to_contain_text(t("streamlit.Drag and drop a file here", lang))
    dropzone.dispatch_event("dragleave", {"dataTransfer": transfer})

    # the roads page's multiselect placeholder
    open_page(page, t("nav.roads", lang))
    _settled(page)
    multiselect = page.locator("[data-testid=stMultiSelect]").first.inner_html()
    assert t("streamlit.Choose options", lang) in multiselect and "Choose options" not in multiselect
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for key in PAGES:
        open_page(page, t(key, lang))
        _settled(page)
        for table in page.locator("[data-testid=stDataFrame]:visible").all()[:1]:  # its toolbar shows on hover
            table.scroll_into_view_if_needed()
            table.hover(force=True)
            expect(table.locator("[data-testid=stElementToolbar]")).to_be_visible()
        if english := _english_on_the_page(page):
            found[key] = english
        page.screenshot(path=str(ARTIFACTS / f"lang_{lang}_{key.split('.')[1]}.png"), full_page=True)

    assert not found, found
    assert not errors, errors


def test_the_language_switch_rewrites_what_was_rewritten(server, page):
    sign_in(page, server, "pat")
    open_page(page, t("nav.upload", "ru"))
    dropzone = page.locator("[data-testid=stFileUploaderDropzone]").first
    dropzone.wait_for(timeout=60_000)
    assert t("streamlit.Upload", "ru") in dropzone.inner_text()
    _switch_language(page, "kk")
    expect(dropzone).to_contain_text(t("streamlit.Upload", "kk"))
