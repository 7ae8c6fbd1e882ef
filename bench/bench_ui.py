"""How long the dashboard takes from a click to the settled page, in a real browser (Chromium), for one planner and
for several at once (issue 24).

Starts ``server.py`` on the bundled region (``data/default``) with a fresh temporary database (an admin and one
planner per concurrent session), and beside it a bare Streamlit page (one radio) as the round-trip baseline of the
same run. Each session (its own browser context: a fresh Streamlit session per repetition) then goes through:

- ``first load``: from the navigation's start to the settled sign-in form; ``sign-in``: the button to the first page;
- ``→ <page>``: a sidebar link to the settled page (Map, Scenarios, Compare, Suggest, Present);
- ``Map threshold``: the gap threshold (60 ↔ 30 minutes) to the changed list of settlements beyond it;
- ``Scenarios add site``: on a copy of the baseline (copied first, then the add-by-click mode chosen), a map click
  to the changed figures;
- ``Suggest run``: the button to the shown suggestion; ``Present district``: another district to the map on top
  fitted to it.

**Settled** is a condition, never a fixed sleep: Streamlit has said (on its WebSocket: ``script_finished``, and
``session_status_changed`` no longer running; this app draws no status widget) that the run the click started is
over, no element of the previous run is left stale (``[data-stale=true]``), the element the interaction changes has
changed (the page's address and title, the main area's text, the presentation's focus) and every map frame on the
page has drawn its Leaflet map. The time is taken in the page (``performance.now()``) from the click (a capturing
listener) to the first animation frame where the condition holds. An interaction that does not settle within
``QORGAU_BENCH_TIMEOUT_MS`` ends its session's round and is counted as a failure.

Prints, per interaction, the median and p95 over the repetitions with 1 and with N concurrent sessions, the bare page's
round trip, the server's memory (RSS: idle, with 1 and with N sessions open) and the ratios to the targets: 0.5 s
median and 1 s p95 per interaction, within 3× the bare page, N sessions under 1.5 s p95, first load under 1.5 s,
under 50 MB per additional session.

    .venv/bin/python bench/bench_ui.py --repeat 5 --sessions 5

Timings depend on the machine's load (the script prints ``os.getloadavg()`` with them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from tests.browser.conftest import CHROMIUM, PASSWORD, start_streamlit  # noqa: E402

LANG = "ru"
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = int(os.environ.get("QORGAU_BENCH_TIMEOUT_MS", 180_000))
"""How long one wait may take before the bench gives up, in milliseconds."""
TARGET_MEDIAN_S = 0.5
TARGET_P95_S = 1.0
TARGET_BARE_RATIO = 3.0
TARGET_CONCURRENT_P95_S = 1.5
TARGET_FIRST_LOAD_S = 1.5
TARGET_SESSION_MB = 50.0
INTERACTIONS = (
    "first load",
    "sign-in",
    "→ map",
    "Map threshold",
    "→ scenarios",
    "Scenarios add site",
    "→ compare",
    "→ suggest",
    "Suggest run",
    "→ present",
    "Present district",
)
"""Every interaction, in the order one session goes through them."""

BARE_PAGE = """import streamlit as st

choice = st.radio("choice", ["a", "b"], horizontal=True, key="choice")
st.write(f"chosen: {choice}")
"""
"""The round-trip baseline: Streamlit's own rerun of a page with one radio."""

# installed in every page before its scripts: the time of the last click, and the settle condition
PROBE = """
window.__clickAt = null;
document.addEventListener('click', () => {  /* a click in a map frame counts in the page around it */
  try { window.top.__clickAt = window.top.performance.now(); } catch (e) { window.__clickAt = performance.now(); }
}, true);
/* Streamlit's own word on its runs, read from its WebSocket messages (ForwardMsg, protobuf): field 6
   script_finished (a status: 0 done, 1 compile error, 2 stopped for a rerun, 3 fragment done) and field 9
   session_status_changed (its field 2: script_is_running). The status widget is not drawn in this app. */
window.__finished = []; window.__running = false;
(() => {
  const Native = window.WebSocket;
  if (!Native) return;
  const varint = (bytes, at) => {
    let value = 0, shift = 0, byte;
    do { byte = bytes[at.i++]; value += (byte & 127) * 2 ** shift; shift += 7; } while (byte & 128);
    return value;
  };
  const fields = (bytes, start, end, visit) => {
    const at = {i: start};
    while (at.i < end) {
      const tag = varint(bytes, at), field = Math.floor(tag / 8), wire = tag % 8;
      if (wire === 0) visit(field, varint(bytes, at), null);
      else if (wire === 2) { const n = varint(bytes, at); visit(field, null, [at.i, at.i + n]); at.i += n; }
      else if (wire === 1) at.i += 8; else if (wire === 5) at.i += 4; else return;
    }
  };
  const read = (bytes) => fields(bytes, 0, bytes.length, (field, value, span) => {
    if (field === 6 && value !== null) window.__finished.push([performance.now(), value]);
    if (field === 9 && span !== null) {
      let running = false;
      fields(bytes, span[0], span[1], (f, v) => { if (f === 2 && v !== null) running = v !== 0; });
      window.__running = running;
    }
  });
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (event.data instanceof ArrayBuffer) read(new Uint8Array(event.data));
        else if (event.data instanceof Blob) event.data.arrayBuffer().then(b => read(new Uint8Array(b)));
      });
    }
  };
})();
window.__qorgauSettled = (before, signature, path) => {
  if (window.__running) return false;
  const since = window.__clickAt === null ? 0 : window.__clickAt;
  const finished = window.__finished.filter(([at]) => at >= since);
  if (!finished.length || finished[finished.length - 1][1] === 2) return false;
  if (document.querySelector('[data-stale=true]')) return false;
  const now = window.__qorgauSignature(signature);
  if (now === null || now === before) return false;
  if (path !== null && !(location.pathname.endsWith('/' + path) && document.querySelector('[data-testid=stMain] h1')))
    return false;
  for (const f of document.querySelectorAll('[data-testid=stMain] iframe')) {
    if (!f.offsetHeight || getComputedStyle(f).visibility !== 'visible') continue;
    let d = null;
    try { d = f.contentDocument; } catch (e) { continue; }
    if (!d || d.readyState !== 'complete' || !d.body) return false;
    const leaflet = (f.title || '').includes('folium') || d.querySelector('script[src*=leaflet]');
    if (leaflet && !d.querySelector('.leaflet-container')) return false;
  }
  window.__settledAt = performance.now();
  return true;
};
window.__qorgauSignature = (kind) => {
  if (kind === 'main') {
    const m = document.querySelector('[data-testid=stMain]');
    return m ? m.innerText : null;
  }
  if (kind === 'focus') {
    const holder = document.querySelector('[data-qorgau-focus]');
    if (!holder) return null;
    const focus = holder.getAttribute('data-qorgau-focus');
    const f = [...document.querySelectorAll('.st-key-present_map iframe')].find(
      g => getComputedStyle(g).visibility === 'visible');
    const d = f && f.contentDocument;
    if (!d || !d.body || d.body.getAttribute('data-qorgau-focus') !== focus) return null;
    if (!d.querySelector('.leaflet-container')) return null;
    return focus;
  }
  if (kind === 'nav') {
    const nav = document.querySelector('[data-testid=stSidebarNav]');
    return nav && document.querySelector('[data-testid=stMain] h1') ? 'signed in' : null;
  }
  if (kind === 'signin') {
    return document.querySelector('input[type=password]') ? 'form' : null;
  }
  return null;
};
"""


def _database(folder: Path, sessions: int) -> Path:
    from planning.store import access

    db = folder / "qorgau.sqlite"
    store = access.AccessStore(db)
    access.create_first_admin(store, "boss", PASSWORD)
    for number in range(sessions):
        access.create_user(store, f"planner{number}", role="planner", password=PASSWORD, by="boss")
    return db


def _start_bare(folder: Path):
    """The bare page (:data:`BARE_PAGE`) served by plain ``streamlit run``; returns (process, url)."""
    import subprocess
    import urllib.request

    from tests.browser.conftest import _free_port

    script = folder / "bare.py"
    script.write_text(BARE_PAGE)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
        + ["--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the bare Streamlit page did not start")


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` (from /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no VmRSS line")


class Session:
    """One browser context (a Streamlit session) and the timings it took."""

    def __init__(self, browser, url: str, times: dict[str, list[float]]):
        self.context = browser.new_context(viewport=VIEWPORT, locale="ru-RU")
        self.context.add_init_script(PROBE)
        self.page = self.context.new_page()
        self.url = url
        self.times = times

    def timed(self, name: str, action, *, signature: str = "main", path: str | None = None) -> None:
        """Run ``action`` (a click) and record the milliseconds from the click to the settled page."""
        page = self.page
        before = page.evaluate("(kind) => window.__qorgauSignature(kind)", signature)
        page.evaluate("() => { window.__clickAt = null; window.__settledAt = null; }")
        action()
        try:
            page.wait_for_function(
                "([before, kind, path]) => window.__clickAt !== null && window.__qorgauSettled(before, kind, path)",
                arg=[before, signature, path],
                polling="raf",
                timeout=TIMEOUT_MS,
            )
        except Exception as error:
            state = page.evaluate(
                "([before, kind]) => ({clicked: window.__clickAt !== null, "
                "running: !!document.querySelector('[data-testid=stStatusWidget]'), "
                "stale: document.querySelectorAll('[data-stale=true]').length, path: location.pathname, "
                "unchanged: window.__qorgauSignature(kind) === before})",
                [before, signature],
            )
            raise RuntimeError(f"{name}: the page did not settle ({state})") from error
        self.times[name].append(page.evaluate("() => window.__settledAt - window.__clickAt"))

    def settle(self, signature: str = "main") -> None:
        """Wait (untimed) until the page has settled."""
        self.page.wait_for_function(
            "([kind]) => window.__qorgauSettled(null, kind, null)",
            arg=[signature],
            polling=100,
            timeout=TIMEOUT_MS,
        )

    def first_load(self) -> None:
        self.page.goto(f"{self.url}/", wait_until="commit")
        self.page.wait_for_function(
            "() => window.__qorgauSettled(null, 'signin', null)", polling="raf", timeout=TIMEOUT_MS
        )
        self.times["first load"].append(self.page.evaluate("() => window.__settledAt"))

    def sign_in(self, user: str) -> None:
        page = self.page
        page.get_by_label("Имя пользователя").fill(user)
        page.get_by_label("Пароль").fill(PASSWORD)
        self.timed("sign-in", page.get_by_role("button", name="Войти").click, signature="nav")

    def open(self, url_path: str) -> None:
        link = self.page.locator(f"[data-testid=stSidebarNav] a[href$='/{url_path}']")
        self.timed(f"→ {url_path}", link.click, path=url_path)


def _threshold(session: Session) -> None:
    radio = session.page.locator(".st-key-map_gap_minutes [role=radiogroup] label")
    radio.first.wait_for(timeout=TIMEOUT_MS)
    options = [text.strip() for text in radio.all_inner_texts()]
    chosen = session.page.locator(".st-key-map_gap_minutes [role=radiogroup] label:has(input:checked)").inner_text()
    # from the default (60 minutes) to 30; from 30 back to 60
    target = "60" if chosen.strip().startswith("30") else "30"
    index = next(i for i, text in enumerate(options) if text.startswith(target))
    session.timed("Map threshold", radio.nth(index).click)


def _add_site(session: Session, name: str) -> None:
    from planning.i18n import t

    page = session.page
    copy = page.get_by_role("button", name=t("scen_base.copy", LANG)).first
    # a name of its own: sessions copying at the same moment would all propose the same free name
    page.locator("[data-testid=stForm]").filter(has=copy).locator("input[type=text]").fill(name)
    copy.click()
    add = page.locator(".st-key-scen_click [role=radiogroup] label").filter(has_text=t("scen.click_add", LANG))
    add.wait_for(timeout=TIMEOUT_MS)
    session.settle()
    add.click()
    session.settle()
    frame = page.frame_locator("[data-testid=stMain] iframe[title*=folium]").first
    container = frame.locator(".leaflet-container")
    container.wait_for(timeout=TIMEOUT_MS)
    box = container.bounding_box()
    # the click happens in the map's frame: it tells the page around it when
    handle = page.locator("[data-testid=stMain] iframe[title*=folium]").first.element_handle()
    handle.content_frame().evaluate(
        "() => document.addEventListener('click', () => { parent.__clickAt = parent.performance.now(); }, true)"
    )
    # the middle of the map, far from every district centre (as tests/browser/test_scenario_edit.py)
    session.timed(
        "Scenarios add site", lambda: container.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.35})
    )


def _suggest(session: Session) -> None:
    from planning.i18n import t

    button = session.page.locator("[data-testid=stMain]").get_by_role("button", name=t("suggest.run", LANG))
    session.timed("Suggest run", button.click)


def _present_district(session: Session, repetition: int) -> None:
    page = session.page
    session.settle("focus")
    page.locator(".st-key-present_bar [data-testid=stSelectbox]").click()
    option = page.get_by_role("option").nth(2 + repetition % 5)
    session.timed("Present district", option.click, signature="focus")


def run_session(browser, url: str, user: str, repetition: int, wanted: set[str], times, keep_open=None) -> None:
    """One session through the :data:`INTERACTIONS` in ``wanted`` (the page switches they need happen anyway)."""
    session = Session(browser, url, times)
    step = "first load"
    try:
        session.first_load()
        session.sign_in(user)
        steps = (
            ("map", lambda: _threshold(session), "Map threshold"),
            ("scenarios", lambda: _add_site(session, f"bench {user} {time.time_ns()}"), "Scenarios add site"),
            ("compare", None, None),
            ("suggest", lambda: _suggest(session), "Suggest run"),
            ("present", lambda: _present_district(session, repetition), "Present district"),
        )
        step = "sign-in"
        for url_path, act, name in steps:
            if f"→ {url_path}" not in wanted and name not in wanted:
                continue
            step = f"→ {url_path}"
            session.open(url_path)
            if act is not None and name in wanted:
                step = name
                act()
    except Exception as error:  # counted and told; the other sessions go on
        times["failed"].append(1.0)
        print(f"{user}, round {repetition + 1}, {step}: {str(error).splitlines()[0]}", file=sys.stderr)
    try:
        if keep_open is not None:
            keep_open(session)
    finally:
        session.context.close()


def _bare_round_trips(browser, url: str, clicks: int, times) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PROBE)
    page = context.new_page()
    page.goto(url, wait_until="commit")
    page.locator("[data-testid=stRadio]").wait_for(timeout=TIMEOUT_MS)
    session = Session.__new__(Session)
    session.page, session.times = page, times
    session.settle()
    labels = page.locator("[data-testid=stRadio] [role=radiogroup] label")
    for number in range(clicks):
        session.timed("bare page radio", labels.nth((number + 1) % 2).click)
    context.close()


def _launch(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    )


def _concurrently(sessions: int, work) -> None:
    """Run ``work(number, browser)`` in ``sessions`` threads, each with its own Playwright and Chromium."""
    from playwright.sync_api import sync_playwright

    errors: list[BaseException] = []

    def thread(number: int) -> None:
        try:
            with sync_playwright() as playwright:
                browser = _launch(playwright)
                try:
                    work(number, browser)
                finally:
                    browser.close()
        except BaseException as error:  # reported after the join
            errors.append(error)

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(sessions)]
    for started in threads:
        started.start()
    for started in threads:
        started.join()
    if errors:
        raise errors[0]


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))]


def measure(repeat: int, sessions: int, wanted: set[str]) -> dict:
    """Every figure of one run: {"times": {(sessions, name): [ms]}, "memory": {label: MB}}."""
    times: dict[tuple[int, str], list[float]] = {}
    memory: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        db = _database(Path(folder), sessions)
        bare, bare_url = _start_bare(Path(folder))
        process, url = start_streamlit(
            PROJECT / "data" / "default",
            {"QORGAU_SCENARIO_DB": str(db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"},
        )
        try:
            memory["idle"] = rss_mb(process.pid)
            for count in sorted({1, sessions}):
                bare_times: dict[str, list[float]] = defaultdict(list)

                def bare_work(number: int, browser, bare_times=bare_times) -> None:
                    _bare_round_trips(browser, bare_url, max(3, repeat), bare_times)

                _concurrently(count, bare_work)
                times[(count, "bare page radio")] = bare_times["bare page radio"]
                collected: dict[str, list[float]] = defaultdict(list)
                barrier = threading.Barrier(count)

                def work(number: int, browser, count=count, barrier=barrier, collected=collected) -> None:
                    for repetition in range(repeat):
                        last = repetition == repeat - 1

                        def hold(session, count=count, barrier=barrier) -> None:
                            # every session of this round open at once: the server's memory with them
                            label = f"{count} session{'s' if count > 1 else ''}"
                            try:
                                if barrier.wait(timeout=5 * TIMEOUT_MS / 1000) == 0:
                                    memory[label] = rss_mb(process.pid)
                                barrier.wait(timeout=5 * TIMEOUT_MS / 1000)
                            except threading.BrokenBarrierError:  # a session late beyond reason: measured anyway
                                memory.setdefault(label, rss_mb(process.pid))

                        run_session(
                            browser, url, f"planner{number}", repetition, wanted, collected, hold if last else None
                        )

                _concurrently(count, work)
                for name, values in collected.items():
                    times[(count, name)] = values
        finally:
            for served in (process, bare):
                served.terminate()
                served.wait(timeout=10)
    return {"times": times, "memory": memory}


def report(figures: dict, sessions: int) -> None:
    """Print the table and the ratios to the targets."""
    times, memory = figures["times"], figures["memory"]
    counts = sorted({1, sessions})
    names = ["bare page radio", *[name for name in INTERACTIONS if (1, name) in times]]
    header = f"{'interaction':<22}" + "".join(f"{f'{c} sess. median':>16}{'p95':>8}{'n':>4}" for c in counts)
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}, {os.cpu_count()} cores")
    print(header)
    for name in names:
        row = f"{name:<22}"
        for count in counts:
            values = times.get((count, name), [])
            if values:
                median_s, p95_s = statistics.median(values) / 1000, percentile(values, 0.95) / 1000
                row += f"{median_s:>14.2f} s{p95_s:>6.2f} s{len(values):>4}"
            else:
                row += f"{'—':>16}{'—':>8}{0:>4}"
        print(row)
    failed = {count: len(times.get((count, "failed"), [])) for count in counts}
    if any(failed.values()):
        print("rounds that did not settle (see above): " + ", ".join(f"{n} with {c} sess." for c, n in failed.items()))
    print("server memory (RSS): " + ", ".join(f"{label} {mb:.0f} MB" for label, mb in memory.items()))
    bare_ms = statistics.median(times[(1, "bare page radio")])
    print(
        f"ratios to the targets (≤ 1 meets it; median {TARGET_MEDIAN_S} s, p95 {TARGET_P95_S} s, "
        f"{TARGET_BARE_RATIO:g}× the bare page {bare_ms / 1000:.2f} s, {sessions} sessions p95 "
        f"{TARGET_CONCURRENT_P95_S} s, first load {TARGET_FIRST_LOAD_S} s):"
    )
    print(f"{'interaction':<22}{'median':>8}{'p95':>8}{'× bare/3':>10}{f'{sessions} sess. p95':>14}")
    for name in names[1:]:
        one = times.get((1, name))
        if not one:
            continue
        median_s, p95_s = statistics.median(one) / 1000, percentile(one, 0.95) / 1000
        limit_s = TARGET_FIRST_LOAD_S if name == "first load" else TARGET_MEDIAN_S
        row = f"{name:<22}{median_s / limit_s:>8.2f}{p95_s / TARGET_P95_S:>8.2f}"
        row += f"{statistics.median(one) / bare_ms / TARGET_BARE_RATIO:>10.2f}"
        many = times.get((sessions, name))
        row += (
            f"{percentile(many, 0.95) / 1000 / TARGET_CONCURRENT_P95_S:>14.2f}"
            if many and sessions > 1
            else f"{'—':>14}"
        )
        print(row)
    if "1 session" in memory and sessions > 1 and f"{sessions} sessions" in memory:
        per_session = (memory[f"{sessions} sessions"] - memory["1 session"]) / (sessions - 1)
        print(
            f"memory per additional session: {per_session:.0f} MB ({per_session / TARGET_SESSION_MB:.2f} of the "
            f"{TARGET_SESSION_MB:g} MB target); first session: {memory['1 session'] - memory['idle']:.0f} MB"
        )
    elif "1 session" in memory:
        print(f"memory of the first session: {memory['1 session'] - memory['idle']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (fresh sessions) per concurrent session")
    parser.add_argument("--sessions", type=int, default=5, help="concurrent sessions of the second round")
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated interactions to time (default: all of {', '.join(INTERACTIONS)})",
    )
    options = parser.parse_args()
    wanted = {name.strip() for name in options.only.split(",") if name.strip()} or set(INTERACTIONS)
    unknown = wanted - set(INTERACTIONS)
    if unknown:
        parser.error(f"--only: unknown interactions {sorted(unknown)}; known: {', '.join(INTERACTIONS)}")
    started = time.perf_counter()
    figures = measure(options.repeat, options.sessions, wanted)
    report(figures, options.sessions)
    print(f"bench_ui took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
