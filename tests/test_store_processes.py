"""Two processes on one store (issue 23, item 3): edits of one scenario at the same moment from both give one
conflict and no lost version; a process SIGKILLed in the middle of saving loses nothing that was committed and
leaves the hash chains valid (``python -m planning audit --verify``). The store is the one
:func:`tests.multi_store.store_env` names: each test runs on a SQLite file and on a real PostgreSQL (the app role for
the writers and ``audit --verify``, the schema made by the owner role first)."""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from multi_store import open_stores, shared_store  # noqa: F401  (shared_store: a fixture)

from planning.scenarios import Site

PROJECT = Path(__file__).resolve().parents[1]
WRITER = PROJECT / "tests" / "store_writer.py"
WAIT_S = 120.0
"""How long a test waits for a writer's next line or its end, in seconds (a loaded 2-core machine)."""
KILL_ROUNDS = 4
"""Times a writer is SIGKILLed in one test."""
MOST_SAVES_BEFORE_KILL = 12
"""The kill comes after 0 to this many saves reported by the writer (drawn at random each round)."""
CONFLICT_ROUNDS = 4
"""Times two processes edit the same version at once."""


class Writer:
    """``tests/store_writer.py`` in its own process, its output lines collected by a thread."""

    def __init__(self, env: dict[str, str], *args: str):
        self.process = subprocess.Popen(
            [sys.executable, str(WRITER), *args],
            cwd=PROJECT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, condition, what: str) -> None:
        """Collect lines until ``condition(self.lines)`` holds; fail after :data:`WAIT_S` or at the end of output."""
        deadline = time.monotonic() + WAIT_S
        while not condition(self.lines):
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"{what}: not within {WAIT_S} s; the writer said {self.lines[-5:]}") from None
            if line is None:
                raise AssertionError(f"{what}: the writer ended first; it said {self.lines[-10:]}")
            self.lines.append(line)

    def finish(self) -> None:
        """Wait for the end of the process and of its output; fail on a non-zero exit."""
        returncode = self.process.wait(timeout=WAIT_S)
        while (line := self._queue.get(timeout=WAIT_S)) is not None:
            self.lines.append(line)
        assert returncode == 0, f"writer exited with {returncode}: {self.lines[-10:]}"

    def saved(self) -> list[tuple[int, str]]:
        """(version, site id) of every save the writer reported committed."""
        return [(int(line.split()[1]), line.split()[2]) for line in self.lines if line.startswith("saved ")]


def _verify(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planning", "audit", "--verify"],
        cwd=PROJECT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=WAIT_S,
    )


def _scenario(env: dict[str, str], name: str) -> int:
    _, scenarios = open_stores(env)
    first = Site("start", "start", "permanent", 43.0, 68.0)
    return scenarios.create(name, "processes", [first], author="boss").scenario_id


def test_a_writer_killed_mid_save_loses_nothing_committed(shared_store):  # noqa: F811
    env = shared_store
    scenario_id = _scenario(env, "killed writer")
    draw = random.Random()
    seed = draw.randrange(1 << 30)
    draw.seed(seed)
    reported: list[tuple[int, str]] = []
    for round_number in range(KILL_ROUNDS):
        saves_before_kill = draw.randint(0, MOST_SAVES_BEFORE_KILL)
        killed = Writer(env, "loop", str(scenario_id), f"k{round_number}", "1000")
        other = Writer(env, "loop", str(scenario_id), f"o{round_number}", "6")
        try:
            killed.wait_for(
                lambda lines, n=saves_before_kill: (
                    "ready" in lines and sum(line.startswith("saved ") for line in lines) >= n
                ),
                f"round {round_number} (seed {seed}): {saves_before_kill} saves",
            )
            killed.process.send_signal(signal.SIGKILL)  # in its next save, or in a rename
            assert killed.process.wait(timeout=WAIT_S) == -signal.SIGKILL
        finally:
            if killed.process.poll() is None:
                killed.process.kill()
        other.finish()
        reported += killed.saved() + other.saved()

        _, scenarios = open_stores(env)
        history = scenarios.history(scenario_id)
        assert [v.version for v in history] == list(range(1, len(history) + 1)), f"seed {seed}: a version is missing"
        for version, site_id in reported:  # every save reported committed is there, as it was saved
            assert site_id in {s.service_id for s in history[version - 1].sites}, (seed, version, site_id)
        newest = {s.service_id for s in history[-1].sites}
        assert {site_id for _, site_id in reported} <= newest, f"seed {seed}: a committed site was lost"
        assert sum(line.startswith("saved ") for line in other.lines) == 6
        result = _verify(env)
        assert result.returncode == 0, f"seed {seed}, round {round_number}: {result.stdout}{result.stderr}"
    assert len(reported) >= KILL_ROUNDS * 6


def test_two_processes_saving_the_same_version_give_one_conflict(shared_store, tmp_path):  # noqa: F811
    env = shared_store
    scenario_id = _scenario(env, "edited twice")
    for round_number in range(CONFLICT_ROUNDS):
        go = tmp_path / f"go{round_number}"
        writers = [Writer(env, "once", str(scenario_id), f"w{round_number}{side}", str(go)) for side in "ab"]
        for writer in writers:
            writer.wait_for(lambda lines: any(line.startswith("loaded ") for line in lines), "loaded")
        loaded = {writer.lines[-1] for writer in writers}
        assert len(loaded) == 1, loaded  # both hold the same version
        go.touch()
        for writer in writers:
            writer.finish()
        outcomes = sorted(writer.lines[-1].split()[0] for writer in writers)
        assert outcomes == ["conflict", "saved"], [writer.lines for writer in writers]
        _, scenarios = open_stores(env)
        history = scenarios.history(scenario_id)
        assert len(history) == round_number + 2  # one version per round: the winner's, nothing overwritten
        winner = next(writer for writer in writers if writer.lines[-1].startswith("saved "))
        assert history[-1].author == winner.process.args[4]
    result = _verify(env)
    assert result.returncode == 0, result.stdout + result.stderr


RECORDING_PROCESSES = 4
LAST_POSITION = 1200
"""Positions 1..LAST_POSITION are recorded, each process taking every RECORDING_PROCESSES-th."""
RECORD = """
import sys
from planning.store import chain
first, step, last, db = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
highest = 0
for position in range(first, last + 1, step):
    chain.record_heads(db, {"scenario_versions": (position, f"hash {position}")})
    now = chain.read_heads(db)["scenario_versions"]["position"]
    if now < highest:
        sys.exit(f"the head record moved back from {highest} to {now}")
    highest = now
"""


def test_head_records_written_by_several_processes_never_move_back(tmp_path):
    """The head and high-water records are moved forward by every process after its commits, at the same
    moments: none ever moves back (each process reads the head record after writing it) and both end at the newest
    position (a record moved back by a lost update reads as a break: an older copy restored)."""
    from planning.store import chain

    db = tmp_path / "heads.sqlite"
    env = {k: v for k, v in os.environ.items() if k not in ("QORGAU_AUDIT_KEY", "QORGAU_AUDIT_KEY_FILE")}
    for name in ("QORGAU_AUDIT_KEY", "QORGAU_AUDIT_KEY_FILE"):
        assert name not in env
    subprocess.run(
        [sys.executable, "-c", f"from planning.store import chain; chain.load_key({str(db)!r}, create=True)"],
        cwd=PROJECT,
        env=env,
        check=True,
        timeout=WAIT_S,
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", RECORD, str(first), str(RECORDING_PROCESSES), str(LAST_POSITION), str(db)],
            cwd=PROJECT,
            env=env,
        )
        for first in range(1, RECORDING_PROCESSES + 1)
    ]
    assert [writer.wait(timeout=WAIT_S) for writer in writers] == [0] * RECORDING_PROCESSES
    newest = {"position": LAST_POSITION, "hash": f"hash {LAST_POSITION}"}
    assert chain.read_heads(db)["scenario_versions"] == newest
    seen = json.loads(chain.seen_path(db).read_text(encoding="utf-8"))["chains"]
    assert seen["scenario_versions"] == newest
