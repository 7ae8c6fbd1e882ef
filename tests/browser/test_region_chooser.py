"""The sidebar's region chooser in a real browser (issue 23, item 4): a planner of two regions switches between them,
the address keeps the choice (``?region=``), and a region that is not theirs in the address opens nothing."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, PROJECT, new_context, sign_in, start_streamlit, wait_idle

TINY = PROJECT / "tests" / "data" / "tiny"


@pytest.fixture(scope="module")
def two_region_server(tmp_path_factory):
    """A server of a deployment serving tiny and a copy of it named "other"; "both" is a planner of both regions,
    "one" a planner of tiny only."""
    from planning.store import access, regions

    root = tmp_path_factory.mktemp("regions")
    tiny, other = root / "tiny", root / "other"
    shutil.copytree(TINY, tiny)
    shutil.copytree(TINY, other)
    meta = json.loads((other / "region.json").read_text(encoding="utf-8"))
    meta.update(id="other", name={"ru": "Другой регион", "kk": "Басқа аймақ", "en": "Other region"})
    (other / "region.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    db = root / "qorgau.sqlite"
    store = regions.RegionScopeStore(db)
    for name, region_ids in (("both", ["tiny", "other"]), ("one", ["tiny"])):
        access.create_user(store, name, role="planner", password=PASSWORD, by="tests")
        regions.set_regions(store, name, region_ids, by="tests", by_scope=None, deployment_ids=["tiny", "other"])
    process, url = start_streamlit(
        tiny,
        {"QORGAU_SCENARIO_DB": str(db), "QORGAU_REGIONS": os.pathsep.join([str(tiny), str(other)])},
    )
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_a_planner_of_two_regions_switches_in_the_sidebar(browser, two_region_server):
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, two_region_server, "both")
    expect(page.get_by_role("heading", name="Малый регион")).to_be_visible(timeout=60_000)
    wait_idle(page, new_run=False)
    chooser = page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has_text="Регион")
    option = page.get_by_role("option", name="Другой регион")
    for attempt in range(3):  # a click that a rerun redrew the box under is lost: open it again
        chooser.click()
        try:
            option.wait_for(timeout=10_000)
            break
        except PlaywrightError:
            if attempt == 2:
                raise
            wait_idle(page, new_run=False)
    option.click()
    expect(page.get_by_role("heading", name="Другой регион")).to_be_visible(timeout=60_000)
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('region') === 'other'")
    context.close()


def test_a_region_in_the_address_that_is_not_the_users_opens_nothing(browser, two_region_server):
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{two_region_server}/?region=other", wait_until="domcontentloaded")  # a bookmark of another region
    page.get_by_label("Имя пользователя").fill("one", timeout=60_000)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_text("Регион other не входит в ваши")).to_be_visible(timeout=60_000)
    wait_idle(page, new_run=False)
    expect(page.get_by_role("heading", name="Малый регион")).to_be_visible()
    expect(page.get_by_role("heading", name="Другой регион")).to_have_count(0)
    expect(page.get_by_text("Другой регион", exact=True)).to_have_count(0)  # no chooser offers it
    context.close()
