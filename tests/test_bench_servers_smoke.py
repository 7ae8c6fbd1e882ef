"""The load test of one and two app servers (bench/bench_servers.py) runs end to end, tiny: one session, one
threshold change per setup (exercised, not timed), on a SQLite file and on PostgreSQL (``--store``); the two-server
setup needs haproxy, else it says it skipped."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from bench_runs import run_bench

sys.path.insert(0, str(Path(__file__).resolve().parent))
from multi_store import STORES, haproxy_binary  # noqa: E402

CHROMIUM = os.environ.get("QORGAU_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM}")
@pytest.mark.parametrize("store", STORES)
def test_bench_servers_runs_tiny(store):
    two = "2 servers + haproxy"
    output = run_bench(
        "bench_servers.py",
        *("--max-sessions", "1", "--clicks", "1", "--store", store),
        expected=(f"store {store}; load average", "MB/session", "1 server: ", f"{two}: "),
        timeout_s=900,
    )
    rows = [line for line in output.splitlines() if line.startswith(("1 server ", f"{two} "))]
    assert any(line.startswith("1 server ") for line in rows), output
    if haproxy_binary() is not None:
        assert any(line.startswith(f"{two} ") for line in rows), output
    else:
        assert f"{two}: skipped, haproxy is not installed" in output


def test_session_counts_double_up_to_the_bound():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_servers import held, session_counts

    assert session_counts(1) == [1]
    assert session_counts(8) == [1, 2, 4, 8]
    assert session_counts(6) == [1, 2, 4, 6]
    fast, slow = [500.0] * 20, [500.0] * 18 + [2500.0] * 2  # p95 (nearest rank of 20) is the 19th: 2.5 s
    rows = [
        {"sessions": 1, "clicks": fast, "failed": 0},
        {"sessions": 2, "clicks": fast, "failed": 1},
        {"sessions": 4, "clicks": slow, "failed": 0},
    ]
    assert held(rows) == 1
    assert held(rows[2:]) == 0
