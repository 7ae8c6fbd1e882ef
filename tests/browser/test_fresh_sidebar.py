"""Issue 12 item 8: a fresh server never shows the raw module names of ``pages/`` in the sidebar while it starts.

Streamlit runs the first session of a new server in its legacy ``pages/``-folder mode (the folder name our layout
uses) until a script calls ``st.navigation``: that first run drew "admin", "common", "compare", ... as links before
app.py's navigation replaced them. A MutationObserver, installed before the page's own scripts run, records every
sidebar link text from the first paint on, of a server no session has talked to yet.
"""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import ARTIFACTS, PROJECT, new_context, start_streamlit, wait_idle

MODULE_NAMES = sorted(p.stem for p in (PROJECT / "pages").glob("*.py") if p.stem != "__init__")

RECORD_SIDEBAR = """
window.__sidebarTexts = [];
const record = () => {
  for (const el of document.querySelectorAll(
      '[data-testid="stSidebarNav"] a, [data-testid="stSidebarNavLink"], [data-testid="stSidebarNavItems"] li')) {
    const text = (el.innerText || el.textContent || '').trim();
    if (text && !window.__sidebarTexts.includes(text)) window.__sidebarTexts.push(text);
  }
};
new MutationObserver(record).observe(document, {childList: true, subtree: true, characterData: true});
document.addEventListener('DOMContentLoaded', record);
"""


def test_a_fresh_server_shows_no_module_names_in_the_sidebar(browser, users, tmp_path):
    process, url = start_streamlit(PROJECT / "data" / "default", {"QORGAU_SCENARIO_DB": str(users)})
    try:
        context = new_context(browser, viewport={"width": 1400, "height": 900}, locale="ru-RU")
        context.add_init_script(RECORD_SIDEBAR)
        page = context.new_page()
        page.goto(f"{url}/", wait_until="commit")  # the first request this server ever sees
        page.get_by_label("Имя пользователя").wait_for(timeout=90_000)  # app.py's sign-in gate has run
        wait_idle(page, timeout_ms=90_000)  # and its run has finished: the sidebar is what it shows
        seen = page.evaluate("window.__sidebarTexts")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(ARTIFACTS) / "fresh_server_sidebar.png"))
        context.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    raw = [text for text in seen if text.strip().lower() in MODULE_NAMES]
    assert raw == [], f"the sidebar showed module names {raw} (all link texts seen: {seen})"
