"""Adding a site by clicking the map of the 940-settlement region: the figures change, and how fast (issue 4: < 1 s)."""

from __future__ import annotations

import time

from tests.browser.conftest import (
    ARTIFACTS,
    MAP_AT_REST,
    PROJECT,
    map_frame,
    new_context,
    open_page,
    sign_in,
    start_streamlit,
    wait_idle,
)
from tests.conftest import needs_shared

TURKISTAN = PROJECT.parent / "shared" / "data" / "turkistan"
CLICK_TO_FIGURES_LIMIT_S = 1.0


@needs_shared
def test_click_on_the_map_adds_a_site_and_updates_the_figures(browser, users):
    process, url = start_streamlit(TURKISTAN, {"QORGAU_SCENARIO_DB": str(users)})
    try:
        context = new_context(browser, viewport={"width": 1400, "height": 1000}, locale="ru-RU")
        page = context.new_page()
        sign_in(page, url, "pat")
        open_page(page, "Сценарии")
        # the baseline is read-only: copy it (one click), then choose the add-by-click mode on the copy
        page.get_by_role("button", name="Скопировать в новый сценарий").click()
        page.get_by_text("добавляет службу", exact=True).wait_for(timeout=60_000)
        page.get_by_text("добавляет службу", exact=True).click()
        wait_idle(page)
        frame = map_frame(page)
        wait_idle(page, new_run=False)
        figures = page.locator("[data-testid=stMetricValue]")
        before = figures.nth(1).inner_text()  # settlements within 30 minutes
        # click far from every district centre, among the villages of the north (Suzak district), wherever the map
        # placed the region (it is fitted beside the legend)
        page.wait_for_function(MAP_AT_REST, timeout=60_000)  # the map component has loaded and rests
        handle = page.locator("iframe[title='streamlit_folium.st_folium']").first.element_handle().content_frame()
        handle.wait_for_function("() => window.map && window.map.qorgauDataBounds", timeout=60_000)
        point = handle.evaluate("() => window.map.latLngToContainerPoint([44.1, 68.47])")
        elapsed_s = None
        for attempt in range(2):  # a click during the component's start-up can be lost; a second one is measured
            started = time.perf_counter()
            frame.locator(".leaflet-container").click(position={"x": point["x"], "y": point["y"]})
            try:
                page.wait_for_function(
                    "([before]) => { const v = document.querySelectorAll('[data-testid=stMetricValue]')[1];"
                    " return v && v.innerText !== before; }",
                    arg=[before],
                    timeout=20_000,
                )
            except Exception:
                alerts = page.locator("[data-testid=stAlert], [data-testid=stException]").all_inner_texts()
                assert attempt == 0, f"the figures did not change after two clicks; alerts: {alerts}"
                continue
            elapsed_s = time.perf_counter() - started
            break
        map_frame(page)  # the new map is drawn
        wait_idle(page, new_run=False)  # the run that added the site is over: its map layers are in the picture
        page.mouse.move(0, 0)  # no tooltip of the clicked village over the screenshot
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "scenario_click.png"), full_page=True)
        (ARTIFACTS / "scenario_click_seconds.txt").write_text(f"{elapsed_s:.3f}\n")
        assert figures.nth(1).inner_text() != before
        # measured, not asserted (a loaded CI machine is not a user's): the figure goes to the closing note
        print(f"click to new figures: {elapsed_s:.3f} s (target {CLICK_TO_FIGURES_LIMIT_S} s)")
        context.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
