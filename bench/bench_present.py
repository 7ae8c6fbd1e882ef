"""How long the Present page takes to show another district or scenario, in a real browser (Chromium).

Starts ``server.py`` on the bundled region with a temporary database (a presenter and two saved scenarios), opens
Present at the given screen size, then changes the district and steps through the scenarios, each time from the
click to the settled map: the map frame on top says (``body[data-qorgau-focus]``) that it shows what the page now
names, with its legend and canvas drawn. Before each change the page is left to finish its run and to draw the
neighbouring scenarios' maps, as during a talk (a click before that waits for the map being drawn).

    .venv/bin/python bench/bench_present.py --width 1400 --height 900

Timings depend on the machine's load (report ``uptime`` with them).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from tests.browser.conftest import CHROMIUM, PASSWORD, start_streamlit  # noqa: E402

SHOWN = (
    "[...document.querySelectorAll('.st-key-present_map iframe')].find(f => getComputedStyle(f).visibility === "
    "'visible')"
)
MARK = f"""() => {{
  document.querySelectorAll('.st-key-present_map iframe').forEach(g => {{ g.__old = false; }});
  const f = {SHOWN}; f.__old = true; f.contentDocument.__old = true;
  window.__oldFocus = document.querySelector('[data-qorgau-focus]').getAttribute('data-qorgau-focus');
  window.__clickAt = null; window.__settledAt = null;
  if (!window.__listening) {{
    window.__listening = true;
    document.addEventListener('click', () => {{ window.__clickAt = performance.now(); }}, true);
  }}
}}"""
SETTLED = f"""(scenario) => {{
  if (window.__clickAt === null) return false;
  const f = {SHOWN}, d = f && f.contentDocument;
  if (!d || !d.body || (scenario && f.__old && d.__old)) return false;
  const focus = document.querySelector('[data-qorgau-focus]').getAttribute('data-qorgau-focus');
  if (!scenario && focus === window.__oldFocus) return false;
  if (d.body.getAttribute('data-qorgau-focus') !== focus) return false;
  if (!d.querySelector('.qorgau-legend') || !d.querySelector('canvas')) return false;
  window.__settledAt = performance.now(); return true;
}}"""
READY = """(count) => !document.querySelector('[data-testid=stStatusWidget]') &&
  document.querySelectorAll('.st-key-present_map iframe').length === count &&
  [...document.querySelectorAll('.st-key-present_map iframe')].every(
    f => f.contentDocument && f.contentDocument.querySelector('.qorgau-legend'))"""
SCENARIOS = 3
"""The baseline and the two saved scenarios of :func:`_database`."""


def _database(folder: Path) -> Path:
    from geo.region import load_region
    from planning.scenarios import sites_from_services
    from planning.store import access
    from planning.store.scenarios import ScenarioStore

    db = folder / "qorgau.sqlite"
    store = access.AccessStore(db)
    access.create_first_admin(store, "boss", PASSWORD)
    access.create_user(store, "vera", role="presenter", password=PASSWORD, by="boss")
    region = load_region(PROJECT / "data" / "default")
    sites = sites_from_services(region.services)
    for name, count in (("Две службы", 2), ("Пять служб", 5)):
        ScenarioStore(db).create(name, region.region_id, sites[:count], author="bench")
    return db


def _maps_in_reach(position: int) -> int:
    """How many maps the page keeps drawn at ``position``: its own and its neighbours'."""
    return len({position - 1, position, position + 1} & set(range(SCENARIOS)))


def _timed(page, action, *, scenario: bool, position: int) -> float:
    page.wait_for_function(READY, arg=_maps_in_reach(position), timeout=120_000)
    page.evaluate(MARK)
    action()
    page.wait_for_function(SETTLED, arg=scenario, polling="raf", timeout=120_000)
    return page.evaluate("() => window.__settledAt - window.__clickAt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--districts", type=int, default=4, help="district changes to time")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        process, url = start_streamlit(
            PROJECT / "data" / "default", {"QORGAU_SCENARIO_DB": str(_database(Path(folder)))}
        )
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": options.width, "height": options.height})
                page.goto(f"{url}/", wait_until="domcontentloaded")
                page.get_by_label("Имя пользователя").fill("vera", timeout=60_000)
                page.get_by_label("Пароль").fill(PASSWORD)
                page.get_by_role("button", name="Войти").click()
                page.locator("[data-testid=stSidebarNav] a[href$='present']").click(timeout=60_000)
                page.locator(".st-key-present_map iframe").first.wait_for(timeout=120_000)
                district_ms, scenario_ms = [], []
                for i in range(options.districts):
                    page.wait_for_function(READY, arg=_maps_in_reach(0), timeout=120_000)
                    page.locator(".st-key-present_bar [data-testid=stSelectbox]").click()
                    option = page.get_by_role("option").nth(2 + 3 * i)
                    district_ms.append(_timed(page, option.click, scenario=False, position=0))
                position = 0
                for name, step in (("Следующий", 1), ("Следующий", 1), ("Предыдущий", -1), ("Предыдущий", -1)):
                    button = page.get_by_role("button", name=name)
                    scenario_ms.append(_timed(page, button.click, scenario=True, position=position))
                    position += step
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
    for kind, values in (("district", district_ms), ("scenario", scenario_ms)):
        print(
            f"{options.width}×{options.height} {kind} change to settled map: median {statistics.median(values):.0f} ms,"
            f" max {max(values):.0f} ms ({', '.join(f'{v:.0f}' for v in values)})"
        )


if __name__ == "__main__":
    main()
