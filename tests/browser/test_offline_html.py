"""The standalone HTML map opens in Chromium with every network route aborted (only file:// is served)."""

from __future__ import annotations

from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate, incident_release, service_bands
from planning.baseline import current_services
from planning.render.exports import scenario_map, standalone_html
from planning.store.release import deployment_secret
from tests.browser.conftest import PROJECT, SETTLED


def test_standalone_html_draws_its_layers_offline(browser, tmp_path):
    region = load_region(PROJECT / "data" / "default")
    services = current_services(region).iloc[:3]
    table = SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)
    result = evaluate(region, services, table, incidents=incident_release(region, secret=deployment_secret()))
    path = tmp_path / "map.html"
    path.write_text(
        standalone_html(scenario_map(region, result, bands=service_bands(region, services, None), lang="kk", k=5)),
        encoding="utf-8",
    )
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    blocked: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith("file://"):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    page = context.new_page()
    page.route("**/*", route)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.locator(".leaflet-container").wait_for(timeout=30_000)
    assert page.evaluate("typeof L") == "object"
    page.evaluate(SETTLED)
    labels = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert any("Көмек қызметтері" in label for label in labels)  # services layer, in Kazakh
    assert any("60" in label for label in labels)  # the isochrone bands
    assert page.locator(".qorgau-legend").count() == 1  # one legend: the map's rows and the gap rows
    assert page.locator("canvas.leaflet-zoom-animated, .leaflet-overlay-pane canvas").count() >= 1
    assert not errors, errors
    assert not blocked, blocked  # it never even asked for anything beyond the file
    context.close()
