"""The presentation on a 1400×900 projector and the language across a reload, in a real browser against server.py:
the map and the three figures in the first screen, a district change that reloads no map, and a Kazakh session that
comes back in Kazakh after F5."""

from __future__ import annotations

from planning.i18n import LANGUAGE_NAMES, t
from tests.browser.conftest import PASSWORD, open_page, sign_in, wait_idle
from tests.browser.test_accounts import session_cookie

SHOWN_MAP = (
    "() => [...document.querySelectorAll('.st-key-present_map iframe')]"
    ".find(f => getComputedStyle(f).visibility === 'visible')"
)
"""The map frame on top (the page keeps the previous and next scenarios' maps drawn beneath it)."""


def _shown_map_drawn(page) -> None:
    """Wait until the map on top has drawn and fitted its view to what the page names."""
    page.wait_for_function(
        f"""() => {{
            const frame = ({SHOWN_MAP})(), focus = document.querySelector('[data-qorgau-focus]');
            const doc = frame && frame.contentDocument;
            return !!(doc && doc.body && focus && doc.querySelector('.leaflet-container canvas')
                      && doc.body.getAttribute('data-qorgau-focus') === focus.getAttribute('data-qorgau-focus'));
        }}""",
        timeout=90_000,
    )


def test_the_slide_fits_a_1400_by_900_projector(server, page):
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, server, "vera")
    open_page(page, t("nav.present", "ru"))
    _shown_map_drawn(page)
    box = page.evaluate(f"() => {{ const r = ({SHOWN_MAP})().getBoundingClientRect(); return [r.top, r.bottom]; }}")
    top, bottom = box
    assert 0 <= top < 900 / 4, box  # the map first, not below the figures
    assert bottom <= 900, box  # nothing of it below the screen
    assert bottom - top >= 0.8 * 900, box  # and as tall as the screen allows
    metrics = page.locator("[data-testid=stMetric]")
    assert metrics.count() == 3
    for i in range(3):
        figure = metrics.nth(i).bounding_box()
        assert figure is not None and figure["y"] >= 0 and figure["y"] + figure["height"] <= 900, figure
    switch = page.locator(".st-key-present_lang")  # the language on the slide itself
    assert switch.is_visible() and LANGUAGE_NAMES["kk"] in switch.inner_text()

    # a district is a view of the map on top: the same document, fitted anew (no blank frame)
    page.evaluate(f"() => {{ ({SHOWN_MAP})().contentDocument.__before = true; }}")
    page.locator(".st-key-present_bar [data-testid=stSelectbox]").click()
    page.get_by_role("option").nth(3).click()
    page.wait_for_function(
        "() => JSON.parse(document.querySelector('[data-qorgau-focus]').dataset.qorgauFocus).district !== null",
        timeout=60_000,
    )
    _shown_map_drawn(page)
    assert page.evaluate(f"() => ({SHOWN_MAP})().contentDocument.__before === true")


def test_a_kazakh_session_comes_back_in_kazakh_after_a_reload(server, page):
    sign_in(page, server, "pat")
    session_cookie(page)  # signed in for the reload too
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name=LANGUAGE_NAMES["kk"]).click()
    open_page(page, t("nav.roads", "kk"))  # another page: the language goes along in the URL
    assert "lang=kk" in page.url, page.url
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("link", name=t("nav.roads", "kk")).wait_for(timeout=60_000)
    wait_idle(page)
    navigation = page.locator("[data-testid=stSidebarNav]").inner_text()
    assert t("nav.home", "kk") in navigation and t("nav.home", "ru") not in navigation, navigation
    assert t("nav.roads", "kk") in page.locator("[data-testid=stMain] h1").first.inner_text()  # the page, too


def test_a_sign_in_on_a_kazakh_page_stays_in_kazakh(server, page):
    # the sign-in page opened in Kazakh (a link with ?lang=kk); signing in moves to Home (st.switch_page), which
    # once dropped the language switch's state: the app came back in Russian
    page.goto(f"{server}/?lang=kk", wait_until="domcontentloaded")
    page.get_by_label(t("signin.username", "kk")).fill("pat", timeout=60_000)
    page.get_by_label(t("signin.password", "kk")).fill(PASSWORD)
    page.get_by_role("button", name=t("signin.submit", "kk")).click()
    page.get_by_role("link", name=t("nav.roads", "kk")).wait_for(timeout=60_000)
    wait_idle(page)
    navigation = page.locator("[data-testid=stSidebarNav]").inner_text()
    assert t("nav.home", "kk") in navigation and t("nav.home", "ru") not in navigation, navigation
    assert "lang=kk" in page.url, page.url
