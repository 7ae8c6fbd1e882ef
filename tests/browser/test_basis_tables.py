"""The Map's tables follow the demand basis in a real browser (issue 19): the basis is chosen inside a fragment
(pages/map.py), and its change reruns the whole page so that the district table outside the fragment and the gap
list count on the new basis too (an AppTest runs every script whole and cannot see this)."""

from __future__ import annotations

from playwright.sync_api import expect

from planning.i18n import t
from tests.browser.conftest import ARTIFACTS, open_page, sign_in, wait_idle


def test_the_maps_district_table_and_gap_list_follow_a_change_of_basis(server, page):
    sign_in(page, server, "pat")  # a planner: settlement-level incidents
    open_page(page, t("nav.map", "ru"))
    stated = t("need.basis_stated", "ru", basis=t("need.basis.incidents", "ru"))
    expect(page.get_by_text(stated)).to_have_count(0)
    page.get_by_text(t("need.basis.incidents", "ru"), exact=True).first.click()
    wait_idle(page, timeout_ms=120_000)
    # the district table's caption (outside the fragment) and the gap list's totals both name the new basis
    expect(page.get_by_text(stated)).to_have_count(2, timeout=60_000)
    header = page.locator("[data-testid=stDataFrame]").last
    header.scroll_into_view_if_needed()
    expect(header).to_contain_text(t("beyond.col.demand.incidents", "ru"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_basis_tables.png"))
