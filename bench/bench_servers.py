"""How many concurrent planners one app server holds, and two behind HAProxy (issue 23, item 5): the Map page's
threshold change answering in under 2 s at p95, and the servers' memory per session.

For each setup — ``1 server`` (``server.py`` on the bundled region) and ``2 servers + haproxy`` (two of them on the
same store behind ``deploy/haproxy.cfg``, sticky sessions) — N concurrent browser sessions (N = 1, 2, 4, 8, … up to
``--max-sessions``; each its own Chromium and planner) sign in, open the Map and change its gap threshold
(60 ↔ 30 minutes) ``--clicks`` times each, timed from the click to the settled page exactly as
``bench/bench_ui.py`` times it (its ``Session`` and settle condition, never a fixed sleep). While all N are open,
the resident memory (RSS) of the app server processes is read; memory per session is that minus the RSS just before
the round, divided by N. Before the rounds, one untimed session per server (straight to it) loads the region and
computes both thresholds: the rounds measure warm servers (their RSS at start and after it are printed). A setup's
rounds stop at the first N whose p95 is 2 s or more (or that had a failure), so the run is bounded; the largest N
under 2 s is reported per setup.

The store is the one ``tests/multi_store.py`` names (``store_env``), chosen by ``--store``: ``sqlite`` (a SQLite
file the servers share) or ``postgresql`` (a throw-away database on the server of ``TEST_POSTGRES_URL``, else the one
on 127.0.0.1:5432, else a throw-away cluster of Debian's ``postgresql``, found or started as the store tests do,
:mod:`tests.pg`; the app servers use its app role, the owner role makes the schema). The browsers run on the same
machine as the servers (loopback only): on 2 cores they take part of the CPU the servers would have; the one-minute
load average is sampled every :data:`LOAD_SAMPLE_S` seconds during the run and printed with the figures.

    .venv/bin/python bench/bench_servers.py --store postgresql --max-sessions 8 --clicks 5
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "bench"))
sys.path.insert(0, str(PROJECT))

from bench_ui import TIMEOUT_MS, Session, _concurrently, _threshold, percentile, rss_mb  # noqa: E402

from tests.browser.conftest import _free_port, start_streamlit  # noqa: E402
from tests.multi_store import STORES, add_users, haproxy_binary, start_haproxy, store_env  # noqa: E402

TARGET_P95_S = 2.0
"""The threshold change must answer within this many seconds at p95 (issue 23)."""
SETUPS = ("1 server", "2 servers + haproxy")
REGION = PROJECT / "data" / "default"
BARRIER_S = 5 * TIMEOUT_MS / 1000
"""How long a session waits for the others of its round to be open, in seconds."""
LOAD_SAMPLE_S = 5.0
"""How often the machine's one-minute load average is read during the run, in seconds."""


def session_counts(most: int) -> list[int]:
    """1, 2, 4, … up to ``most`` (``most`` itself last when it is not a power of two)."""
    counts, n = [], 1
    while n < most:
        counts.append(n)
        n *= 2
    return [*counts, most] if most >= 1 else []


def _round(url: str, count: int, clicks: int, pids: list[int]) -> dict:
    """``count`` sessions at once against ``url``: their threshold times (ms), failures and the servers' RSS."""
    times: dict[str, list[float]] = defaultdict(list)
    before = sum(rss_mb(pid) for pid in pids)
    memory: dict[str, float] = {}
    barrier = threading.Barrier(count)

    def work(number: int, browser) -> None:
        session = Session(browser, url, times)
        try:
            try:
                session.first_load()
                session.sign_in(f"planner{number}")
                session.open("map")
                for _ in range(clicks):
                    _threshold(session)
            except Exception as error:  # counted and told; the other sessions go on
                times["failed"].append(1.0)
                print(f"session {number + 1} of {count}: {str(error).splitlines()[0]}", file=sys.stderr)
            try:  # all of the round's sessions open at once: the servers' memory with them
                if barrier.wait(timeout=BARRIER_S) == 0:
                    memory["open"] = sum(rss_mb(pid) for pid in pids)
                barrier.wait(timeout=BARRIER_S)
            except threading.BrokenBarrierError:
                memory.setdefault("open", sum(rss_mb(pid) for pid in pids))
        finally:
            session.context.close()

    _concurrently(count, work)
    return {
        "clicks": times["Map threshold"],
        "failed": len(times["failed"]),
        "before": before,
        "open": memory.get("open", before),
    }


WARM_UP_CLICKS = 2
"""Untimed threshold changes of the warm-up session on each server (both thresholds computed once)."""


def _warm_up(urls: list[str]) -> None:
    """One untimed session per server, straight to it (not through the proxy): it loads the region and computes
    the Map for both thresholds, so that every round measures a warm server, as planners meet it after the first
    one of the day."""
    untimed: dict[str, list[float]] = defaultdict(list)

    def work(number: int, browser) -> None:
        session = Session(browser, urls[number], untimed)
        try:
            session.first_load()
            session.sign_in("planner0")
            session.open("map")
            for _ in range(WARM_UP_CLICKS):
                _threshold(session)
        finally:
            session.context.close()

    _concurrently(len(urls), work)


def measure(setup: str, most: int, clicks: int, database=None) -> list[dict]:
    """Every round of ``setup`` (one of :data:`SETUPS`), fresh servers on a fresh store: a SQLite file, or a new
    schema of the PostgreSQL ``database`` (a :class:`tests.pg.Database`)."""
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        env = store_env(Path(folder), database)
        add_users(env, [f"planner{n}" for n in range(most)])
        served = [start_streamlit(REGION, {**env, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"})]
        proxy = None
        try:
            if setup != SETUPS[0]:
                served.append(start_streamlit(REGION, {**env, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}))
                proxy, url = start_haproxy([served_url for _, served_url in served], _free_port())
            else:
                url = served[0][1]
            pids = [process.pid for process, _ in served]
            cold = sum(rss_mb(pid) for pid in pids)
            _warm_up([served_url for _, served_url in served])
            idle = sum(rss_mb(pid) for pid in pids)
            for count in session_counts(most):
                row = {"setup": setup, "sessions": count, "cold": cold, "idle": idle}
                row.update(_round(url, count, clicks, pids))
                rows.append(row)
                print(_line(row), flush=True)
                if row["failed"] or not row["clicks"] or percentile(row["clicks"], 0.95) / 1000 >= TARGET_P95_S:
                    break
        finally:
            if proxy is not None:
                proxy.terminate()
                proxy.wait(timeout=10)
            for process, _ in served:
                process.terminate()
                process.wait(timeout=10)
    return rows


HEADER = (
    f"{'setup':<22}{'sessions':>9}{'clicks':>7}{'median':>9}{'p95':>8}{'failed':>7}"
    f"{'RSS before':>11}{'RSS open':>10}{'MB/session':>11}"
)


def _line(row: dict) -> str:
    values = row["clicks"]
    median = f"{statistics.median(values) / 1000:.2f} s" if values else "—"
    p95 = f"{percentile(values, 0.95) / 1000:.2f} s" if values else "—"
    per_session = (row["open"] - row["before"]) / row["sessions"]
    return (
        f"{row['setup']:<22}{row['sessions']:>9}{len(values):>7}{median:>9}{p95:>8}{row['failed']:>7}"
        f"{row['before']:>8.0f} MB{row['open']:>7.0f} MB{per_session:>8.0f} MB"
    )


def held(rows: list[dict]) -> int:
    """The largest session count whose threshold change answered under :data:`TARGET_P95_S` at p95, with no
    failure (0 when even one session did not)."""
    good = [
        row["sessions"]
        for row in rows
        if row["clicks"] and not row["failed"] and percentile(row["clicks"], 0.95) / 1000 < TARGET_P95_S
    ]
    return max(good, default=0)


class LoadSampler:
    """The one-minute load average read every :data:`LOAD_SAMPLE_S` seconds by a thread, while in its ``with``."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(LOAD_SAMPLE_S):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        """``load average (1 min) during the run: min … median … max over n samples, k cores``."""
        values = self.samples or [os.getloadavg()[0]]
        return (
            f"load average (1 min) during the run: {min(values):.1f} min, {statistics.median(values):.1f} median, "
            f"{max(values):.1f} max over {len(values)} samples; {os.cpu_count()} cores"
        )


def report(rows: list[dict], most: int, store: str, load: LoadSampler) -> None:
    print(f"store {store}; {load.summary()}")
    print(HEADER)
    for row in rows:
        print(_line(row))
    for setup in dict.fromkeys(row["setup"] for row in rows):
        mine = [row for row in rows if row["setup"] == setup]
        largest = held(mine)
        stopped = mine[-1]["sessions"] if mine[-1]["sessions"] != largest else None
        bound = f" (stopped at {stopped})" if stopped else f" (the bound, --max-sessions {most})"
        first = mine[0]
        print(
            f"{setup}: {largest} session{'s' if largest != 1 else ''} held with the Map threshold under "
            f"{TARGET_P95_S:g} s at p95{bound}; servers {first['cold']:.0f} MB at start, {first['idle']:.0f} MB "
            "after the warm-up session (region loaded, both thresholds computed)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-sessions", type=int, default=8, help="the largest number of concurrent sessions")
    parser.add_argument("--clicks", type=int, default=5, help="threshold changes per session and round")
    parser.add_argument("--setups", default=",".join(SETUPS), help=f"comma-separated, of: {', '.join(SETUPS)}")
    parser.add_argument(
        "--store",
        choices=STORES,
        default="sqlite",
        help="the store the servers share: a SQLite file, or a throw-away PostgreSQL database (tests/pg.py)",
    )
    options = parser.parse_args()
    setups = [name.strip() for name in options.setups.split(",") if name.strip()]
    unknown = [name for name in setups if name not in SETUPS]
    if unknown or options.max_sessions < 1 or options.clicks < 1:
        parser.error(f"--setups: unknown {unknown}; --max-sessions and --clicks: 1 or more")
    started = time.perf_counter()
    rows: list[dict] = []
    with contextlib.ExitStack() as stack:
        database = None
        if options.store == "postgresql":
            from tests import pg

            database = stack.enter_context(pg.session_database(stack.enter_context(pg.server())))
        load = stack.enter_context(LoadSampler())
        print(HEADER, flush=True)
        for setup in setups:
            if setup != SETUPS[0] and haproxy_binary() is None:
                print(f"{setup}: skipped, haproxy is not installed (apt-get install haproxy; make bench does)")
                continue
            rows += measure(setup, options.max_sessions, options.clicks, database)
    print()
    report(rows, options.max_sessions, options.store, load)
    print(f"bench_servers took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
