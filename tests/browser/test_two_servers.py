"""Two real app servers on one store (issue 23, item 3): two planners, each on their own server, remove a site of
the same scenario version at the same moment. Exactly one of them is told that someone saved meanwhile (the
Scenarios page's conflict warning with its reload button), the store holds the winner's version and nothing else,
and the other one, after reloading, saves on top of it: no version is lost and the chains verify. Run on a shared
SQLite file and on PostgreSQL (the servers as the app role; :func:`tests.multi_store.shared_store`)."""

from __future__ import annotations

import os
import subprocess
import sys

from planning.i18n import t
from tests.browser.conftest import PROJECT, new_context, open_page, sign_in, start_streamlit, wait_idle
from tests.multi_store import add_users, open_stores, shared_store  # noqa: F401  (shared_store: a fixture)

LANG = "ru"
REGION = PROJECT / "data" / "default"
TIMEOUT_MS = 120_000


def _shared_scenario(env: dict[str, str]) -> int:
    """A scenario of the default region with three sites, made before the region's baseline so that it is the
    first one listed (what the Scenarios page shows first)."""
    from geo.region import load_region
    from planning.scenarios import Site

    region = load_region(REGION)
    points = region.settlements.geometry.iloc[:3]
    sites = [Site(f"s{n}", f"Служба {n}", "permanent", p.y, p.x) for n, p in enumerate(points, start=1)]
    _, scenarios = open_stores(env)
    return scenarios.create("Общий план", region.region_id, sites, author="boss").scenario_id


def test_two_servers_one_conflict_no_lost_version(browser, shared_store):  # noqa: F811
    env = shared_store
    add_users(env, ["pat", "ana"])
    scenario_id = _shared_scenario(env)
    servers = [start_streamlit(REGION, env) for _ in range(2)]
    contexts = []
    try:
        pages = {}
        for (_, url), name in zip(servers, ("pat", "ana")):
            context = new_context(browser, viewport={"width": 1400, "height": 1000}, locale="ru-RU")
            contexts.append(context)
            page = context.new_page()
            sign_in(page, url, name)
            open_page(page, t("nav.scenarios", LANG))
            page.get_by_text(t("scen_safety.version", LANG, version=1, sites=3)).wait_for(timeout=TIMEOUT_MS)
            pages[name] = page
        # both remove the first site of version 1, the second click sent before the first one's run has ended
        buttons = {name: page.get_by_role("button", name=t("scen.remove", LANG)) for name, page in pages.items()}
        for button in buttons.values():
            button.wait_for(timeout=TIMEOUT_MS)
        for button in buttons.values():
            button.click()
        for page in pages.values():
            wait_idle(page, TIMEOUT_MS)
        reload = t("scen_safety.reload", LANG, version=2)
        warned = [name for name, page in pages.items() if page.get_by_role("button", name=reload).count()]
        assert len(warned) == 1, f"conflict warnings shown to {warned}; one of the two saves must be refused"
        loser = warned[0]
        winner = next(name for name in pages if name != loser)

        _, scenarios = open_stores(env)
        history = scenarios.history(scenario_id)
        assert [(v.version, v.author) for v in history] == [(1, "boss"), (2, winner)]
        assert [s.service_id for s in history[1].sites] == ["s2", "s3"]
        warning = pages[loser].locator("[data-testid=stAlert]").filter(has_text=winner)
        assert warning.count() == 1, "the warning names who saved meanwhile"
        assert pages[winner].locator("[data-testid=stAlert]").filter(has_text=winner).count() == 0

        # the other planner reloads version 2 and removes its first site: version 3, on top of the winner's
        page = pages[loser]
        page.get_by_role("button", name=reload).click()
        wait_idle(page, TIMEOUT_MS)
        page.get_by_text(t("scen_safety.version", LANG, version=2, sites=2)).wait_for(timeout=TIMEOUT_MS)
        page.get_by_role("button", name=t("scen.remove", LANG)).click()
        wait_idle(page, TIMEOUT_MS)
        page.get_by_text(t("scen_safety.version", LANG, version=3, sites=1)).wait_for(timeout=TIMEOUT_MS)
        history = scenarios.history(scenario_id)
        assert [(v.version, v.author) for v in history] == [(1, "boss"), (2, winner), (3, loser)]
        assert [s.service_id for s in history[2].sites] == ["s3"]
        result = subprocess.run(
            [sys.executable, "-m", "planning", "audit", "--verify"],
            cwd=PROJECT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        for context in contexts:
            context.close()
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=10)
