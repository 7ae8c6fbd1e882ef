"""A region whose names are attack strings (tests/attack_names.py), in a real browser: every page with a map and
the standalone HTML export, every tooltip opened (and settlements hovered with the mouse), and no script runs
(``window.__xss`` never set, no dialog), no tag from a name appears, and nothing is asked of any other machine.
"""

from __future__ import annotations

import pytest

from planning.markup import NO_LINK_JOINER
from tests.attack_names import (
    HTML_ATTACK,
    MARKDOWN_ATTACK,
    MARKUP_ATTACK,
    OUTSIDE,
    SCRIPT_END_ATTACK,
    SCRIPT_MARKER,
    SVG_ATTACK,
    TEMPLATE_ATTACK,
    attack_region,
)
from tests.browser.conftest import ARTIFACTS, PASSWORD, SETTLED, USERS, open_page, sign_in, start_streamlit, wait_idle

FOLIUM_FRAME = "iframe[title='streamlit_folium.st_folium']"

OPEN_EVERY_TOOLTIP = """(mapName) => {
  const map = mapName ? window[mapName] : window.map;
  const texts = [];
  const anchor = (layer) => layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
  map.eachLayer((layer) => {
    if (!layer.getTooltip || !layer.getTooltip()) return;
    const members = layer.getLayers ? layer.getLayers() : [layer];
    for (const member of members) {  // what a hover does: the event reaches the layer that holds the tooltip
      member.fire("mouseover", {latlng: anchor(member)}, true);
      const element = layer.getTooltip().getElement();
      if (element) texts.push(element.innerText);
      member.fire("mouseout", {latlng: anchor(member)}, true);
    }
  });
  return texts;
}"""
MAP_NAME = """() => window.map ? 'map'
  : Object.keys(window).find((k) => k.startsWith('map_') && window.L && window[k] instanceof window.L.Map)"""
"""The global name of the Leaflet map in a frame: streamlit-folium's ``map``, folium's ``map_<id>`` elsewhere."""
SLIDE_FRAME = ".st-key-present_map iframe"
"""The Present page's maps (st.iframe slides, one shown and its neighbours kept drawn)."""
SETTLEMENT_POINTS = """(mapName) => {
  const points = [];
  const map = window[mapName];
  map.eachLayer((layer) => {
    if (layer.getLatLng && layer.feature) {
      const p = map.latLngToContainerPoint(layer.getLatLng());
      points.push([p.x, p.y]);
    }
  });
  return points;
}"""
NAME_LINKS = (
    f"a[href*='{OUTSIDE}'], a[href*='evil-akimat']:not([href^='#']), a[href^='mailto:'], a[href^='javascript:'], "
    f"a[href^='data:'], img[src*='{OUTSIDE}']"
)
"""A link or image made of a name (a link attack of tests/attack_names.py) in the page (a heading's own anchor,
``#slug-of-the-heading``, links nowhere else)."""
SHOWN_MARKUP_ATTACK = MARKUP_ATTACK.replace("://", NO_LINK_JOINER + "://")
"""The markup attack as a Markdown element shows it: the same characters, an invisible word joiner before ``://``
(planning.markup.markdown_text), so that no autolink is made of it."""
PAYLOAD_RAN = f"""() => window.{SCRIPT_MARKER} !== undefined
  || document.querySelectorAll('.leaflet-tooltip img, .leaflet-tooltip svg, .leaflet-control img, .qorgau-legend img').length > 0"""  # noqa: E501  (one data line)


@pytest.fixture(scope="module")
def attack_server(tmp_path_factory):
    """A Streamlit server on the attack region, with its own users (as tests/browser/conftest.py's) and two
    scenarios whose names are attack strings."""
    from geo.region import load_region
    from planning.scenarios import sites_from_services
    from planning.store import access
    from planning.store.scenarios import ScenarioStore

    folder = attack_region(tmp_path_factory.mktemp("attack") / "region")
    db = tmp_path_factory.mktemp("attack_db") / "qorgau.sqlite"
    store = access.AccessStore(db)
    access.create_first_admin(store, "boss", PASSWORD)
    for name, role in USERS.items():
        if role != "admin":
            access.create_user(store, name, role=role, password=PASSWORD, by="boss")
    region = load_region(folder)
    scenarios = ScenarioStore(db)
    sites = sites_from_services(region.services)
    # names are capped at MAX_SCENARIO_NAME_CHARS: the attack strings are split over the two
    scenarios.create(f"А {HTML_ATTACK} {MARKDOWN_ATTACK}", region.region_id, sites, author="boss")
    scenarios.create(f"Б {TEMPLATE_ATTACK} {SCRIPT_END_ATTACK} {SVG_ATTACK}", region.region_id, sites, author="boss")
    process, url = start_streamlit(folder, {"QORGAU_SCENARIO_DB": str(db)})
    yield url
    process.terminate()
    process.wait(timeout=10)


def _watch(page) -> list[str]:
    events: list[str] = []
    page.on("dialog", lambda dialog: (events.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: events.append(f"page error: {error}"))
    return events


def _check_maps(page, title: str, problems: list[str]) -> int:
    """Open every tooltip of every map on the page and hover the settlements; note in ``problems`` a payload that
    ran or a name not shown as text. Returns the number of tooltips opened."""
    selector = SLIDE_FRAME if title == "Презентация" else FOLIUM_FRAME
    iframes = page.locator(selector)
    try:
        iframes.first.wait_for(state="attached", timeout=60_000)
    except Exception as error:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "attack_names_no_map.png"), full_page=True)
        text = page.locator("[data-testid=stMain]").inner_text()[:1500]
        raise AssertionError(f"{title}: no map; page text: {text}") from error
    opened = 0
    for i in range(iframes.count()):
        shown = iframes.nth(i).is_visible()  # a slide kept drawn behind the shown one is not hovered
        if shown:
            iframes.nth(i).scroll_into_view_if_needed(timeout=60_000)
        page.frame_locator(selector).nth(i).locator(".leaflet-container").wait_for(state="attached", timeout=60_000)
        frame = iframes.nth(i).element_handle().content_frame()
        frame.wait_for_function(MAP_NAME, timeout=60_000)
        name = frame.evaluate(MAP_NAME)
        texts = frame.evaluate(OPEN_EVERY_TOOLTIP, name)
        opened += len(texts)
        box = iframes.nth(i).bounding_box()
        for x, y in frame.evaluate(SETTLEMENT_POINTS, name) if shown else ():
            page.mouse.move(box["x"] + x, box["y"] + y)  # Leaflet opens a tooltip in the mousemove handler
        frame.evaluate(SETTLED)
        if frame.evaluate(PAYLOAD_RAN):
            problems.append(f"{title}, map {i}: a payload ran in the map")
        if not any(MARKUP_ATTACK in text for text in texts):
            problems.append(f"{title}, map {i}: no tooltip shows the name as text: {texts[:3]}")
    return opened


PAGES_WITH_MAPS = {  # sidebar title -> button to press first
    "Карта": None,
    "Сценарии": None,
    "Сравнение": None,
    "Предложить места": "Подобрать места",
    "Презентация": None,
}


def test_attack_names_run_no_script_on_any_page(attack_server, page):
    events = _watch(page)
    problems: list[str] = []
    sign_in(page, attack_server, "pat")
    try:  # the region's name (a subheader) and its sources, shown literally
        page.get_by_text(SHOWN_MARKUP_ATTACK, exact=False).first.wait_for(timeout=30_000)
    except Exception:
        problems.append("home: the region's name is not shown literally")
    if page.evaluate(PAYLOAD_RAN):
        problems.append("home: a payload ran")
    if page.locator(NAME_LINKS).count():
        problems.append(f"home: a name became a link: {page.locator(NAME_LINKS).first.evaluate('e => e.outerHTML')}")
    tooltips = 0
    for title, button in PAGES_WITH_MAPS.items():
        open_page(page, title)
        if button:  # every settlement a candidate: the picks (named after villages) are drawn
            page.get_by_label("Население не меньше, чел.").fill("0")
            page.get_by_label("Население не меньше, чел.").press("Enter")
            wait_idle(page)
            page.get_by_role("button", name=button).click()
            wait_idle(page)
        tooltips += _check_maps(page, title, problems)
        if page.evaluate(PAYLOAD_RAN) or page.locator(f"img[src*='{OUTSIDE}']").count():
            problems.append(f"{title}: a payload ran on the page")
        if page.locator(NAME_LINKS).count():
            problems.append(
                f"{title}: a name became a link: {page.locator(NAME_LINKS).first.evaluate('e => e.outerHTML')}"
            )
        if title == "Презентация":
            page.get_by_role("link", name="Главная").click()
            wait_idle(page)
    assert tooltips > 10
    problems += events
    problems += [f"request to {u}" for u in page.requests.external()]
    problems += [f"request to {u}" for u in page.requests.urls if u.rstrip("/").endswith("/x")]  # <img src=x>
    assert not problems, problems


def test_standalone_html_export_of_attack_names_runs_no_script(attack_server, page, browser, tmp_path):
    events = _watch(page)
    sign_in(page, attack_server, "pat")
    open_page(page, "Отчёты и выгрузки")
    page.get_by_role("button", name="Подготовить файлы").click()
    wait_idle(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Карта (HTML, без интернета)").click()
    path = tmp_path / "map.html"
    download.value.save_as(path)
    assert not events, events

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    blocked: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith("file://") and request_route.request.url.endswith("map.html"):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    offline = context.new_page()
    offline.route("**/*", route)
    offline_events = _watch(offline)
    offline.goto(path.as_uri())
    offline.locator(".leaflet-container").wait_for(timeout=30_000)
    name = offline.evaluate("() => Object.keys(window).find((k) => k.startsWith('map_') && window[k] instanceof L.Map)")
    texts = offline.evaluate(OPEN_EVERY_TOOLTIP, name)
    offline.evaluate(SETTLED)
    assert not offline.evaluate(PAYLOAD_RAN)
    assert not offline_events, offline_events
    assert not blocked, blocked  # neither <img src=x> nor the outside address was asked for
    assert any(MARKUP_ATTACK in text for text in texts), texts  # the names shown, as text
    context.close()
