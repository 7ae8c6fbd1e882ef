"""Read-only works read-only (issue 21, item 4): every command that only reads runs, as the CLI a user runs, on a
copy of a deployment's database whose file (chmod 0444) or folder (chmod 0555) was made read-only, and writes nothing
there: the files beside the database keep their bytes and times and no ``-wal``, ``-shm`` or ``-journal`` file appears.

The tests run as root here, whom file modes do not stop; so what is checked is how the store opens the database
(``mode=ro``, ``immutable=1`` for a database made read-only, no schema change), not a permission error.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT, TINY

from geo.region import load_region
from planning.scenarios import Site
from planning.store import chain
from planning.store.access import AccessStore, create_first_admin, entries
from planning.store.db import StorageError, read_only_file, read_only_uri
from planning.store.intake import IncidentStore, ingest_incidents
from planning.store.release import deployment_secret
from planning.store.scenarios import ScenarioStore, baseline_scenario

COMMAND_TIMEOUT_S = 240
"""Longest one CLI command may take here, seconds (the tiny region: a few seconds each)."""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Path:
    """A deployment's database folder as the app leaves it: an admin, incident counts, the release secret, two
    scenarios, the audit key, head and high-water records; every store closed (no -wal/-shm left)."""
    folder = tmp_path_factory.mktemp("deployment")
    path = folder / "scenarios.sqlite"
    create_first_admin(AccessStore(path), "admin", "correct horse battery staple")
    region = load_region(TINY)
    result = ingest_incidents(
        (TINY / "incidents.csv").read_bytes(), filename="incidents.csv", region=region, store=IncidentStore(path)
    )
    assert result.accepted
    deployment_secret(path)
    scenarios = ScenarioStore(path)
    scenarios.create("Plan A", region.region_id, [Site("a", "Служба Альфа", "permanent", 42.5, 68.2)], author="admin")
    scenarios.create(
        "Plan B",
        region.region_id,
        [Site("a", "Служба Альфа", "permanent", 42.5, 68.2), Site("b", "Бета", "permanent", 42.6, 68.4)],
        author="admin",
    )
    assert {p.name for p in folder.iterdir()} >= {path.name, chain.head_path(path).name}
    return path


def _snapshot(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file in ``folder``: its SHA-256, modification time (ns) and mode."""
    return {
        item.name: (hashlib.sha256(item.read_bytes()).hexdigest(), item.stat().st_mtime_ns, item.stat().st_mode)
        for item in sorted(folder.iterdir())
    }


@pytest.fixture(params=["file", "folder"])
def read_only_copy(request, deployment, tmp_path):
    """A copy of the deployment folder with the database file made read-only (0444, its folder writable) or the
    whole folder (files 0444, folder 0555); modes restored afterwards so the copy can be removed."""
    folder = tmp_path / "ro"
    shutil.copytree(deployment.parent, folder)
    path = folder / deployment.name
    if request.param == "file":
        path.chmod(0o444)
    else:
        for item in folder.iterdir():
            item.chmod(0o444)
        folder.chmod(0o555)
    yield path
    folder.chmod(0o755)
    for item in folder.iterdir():
        item.chmod(0o644)


def _teams(tmp_path: Path) -> Path:
    teams = tmp_path / "teams.csv"
    teams.write_text("name,base,day_hours,visit_minutes,days\nT1,s1,8,60,5\n", encoding="utf-8")
    return teams


READING_COMMANDS = {
    "info": lambda out: ["info", "--region", str(TINY)],
    "info-json": lambda out: ["info", "--region", str(TINY), "--json"],
    "audit": lambda out: ["audit"],
    "audit-verify": lambda out: ["audit", "--verify"],
    "coverage": lambda out: ["coverage", "--region", str(TINY), "--scenario", "Plan A", "--json"],
    "coverage-incidents": lambda out: ["coverage", "--region", str(TINY), "--demand", "incidents"],
    "compare": lambda out: ["compare", "--region", str(TINY), "Plan A", "Plan B", "--json"],
    "travel-times": lambda out: ["travel-times", "--region", str(TINY), "--scenario", "Plan B", "--out", out("t.csv")],
    "isochrones": lambda out: ["isochrones", "--region", str(TINY), "--out", out("i.geojson")],
    "report": lambda out: ["report", "--region", str(TINY), "--scenario", "Plan B", "--out", out("r.pdf")],
    "map": lambda out: ["map", "--region", str(TINY), "--out", out("m.html")],
    "suggest": lambda out: ["suggest", "--region", str(TINY), "--model", "mclp", "--add", "1", "--scenario", "Plan A"],
    "circuits": lambda out: ["circuits", "--region", str(TINY), "--teams", out("teams"), "--json"],
}
"""Every command that only reads the database (from ``python -m planning --help``; suggest without saving), with
its arguments; ``out(name)`` is a path outside the database folder."""


def _run(args: list[str], db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planning", "--lang", "en", *args, "--db", str(db)],
        cwd=PROJECT,
        env={**os.environ, "QORGAU_LANG": "en"},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
    )


@pytest.mark.parametrize("command", sorted(READING_COMMANDS))
def test_a_reading_command_runs_on_a_read_only_database_and_writes_nothing(command, read_only_copy, tmp_path):
    outputs = tmp_path / "out"
    outputs.mkdir()

    def out(name: str) -> str:
        return str(_teams(outputs) if name == "teams" else outputs / name)

    folder = read_only_copy.parent
    before = _snapshot(folder)
    done = _run(READING_COMMANDS[command](out), read_only_copy)
    assert done.returncode == 0, done.stderr
    assert "read-only" not in done.stderr
    assert _snapshot(folder) == before  # same files, bytes, times and modes: no -wal, -shm or -journal made
    if command == "audit-verify":
        assert "intact" in done.stdout.lower() or "ok" in done.stdout.lower(), done.stdout
    if command == "compare":
        assert "Plan B" in done.stdout


def test_a_writing_command_on_a_read_only_database_is_refused_with_the_reason(read_only_copy, tmp_path):
    folder = read_only_copy.parent
    before = _snapshot(folder)
    incidents = tmp_path / "incidents.csv"
    incidents.write_text("settlement,period,count\ns1,2024,5\n", encoding="utf-8")
    done = _run(["import-incidents", "--region", str(TINY), "--user", "admin", str(incidents)], read_only_copy)
    assert done.returncode != 0
    assert "read-only" in done.stderr and str(read_only_copy) in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert _snapshot(folder) == before


def test_stores_open_a_read_only_database_without_touching_it(read_only_copy):
    folder = read_only_copy.parent
    before = _snapshot(folder)
    assert read_only_file(read_only_copy)
    assert read_only_uri(read_only_copy).endswith("?mode=ro&immutable=1")
    assert [s.name for s in ScenarioStore(read_only_copy).list_scenarios("tiny")] == ["Plan A", "Plan B"]
    assert [e.user for e in entries(AccessStore(read_only_copy), limit=3)]
    assert IncidentStore(read_only_copy).counts("tiny")["count"].sum() > 0
    with pytest.raises(StorageError) as refused:  # root could write the file; the store does not try
        ScenarioStore(read_only_copy).create("Plan C", "tiny", [])
    assert refused.value.reason == "readonly"
    assert _snapshot(folder) == before


def test_an_old_read_only_database_is_not_migrated(deployment, tmp_path):
    """A database that lacks the chain's triggers would be given them when opened writable; made read-only, it is
    read as it is."""
    path = tmp_path / "old.sqlite"
    shutil.copy(deployment, path)
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER audit_log_no_update")
    raw.commit()
    raw.close()  # the last connection: SQLite removes the -wal and -shm files
    path.chmod(0o444)
    before = _snapshot(tmp_path)
    assert [s.name for s in ScenarioStore(path).list_scenarios("tiny")] == ["Plan A", "Plan B"]
    assert _snapshot(tmp_path) == before
    with sqlite3.connect(read_only_uri(path), uri=True) as raw:
        triggers = {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "audit_log_no_update" not in triggers
    path.chmod(0o644)
    ScenarioStore(path)  # writable again: the store puts the trigger back
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_log_no_update'").fetchone()


def test_a_writable_database_whose_schema_is_in_place_opens_without_a_write(deployment, tmp_path):
    path = tmp_path / "db.sqlite"
    shutil.copy(deployment, path)
    mtime = path.stat().st_mtime_ns
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for store in (ScenarioStore, AccessStore, IncidentStore):
        store(path)
    assert path.stat().st_mtime_ns == mtime and hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not read_only_file(path) and read_only_uri(path).endswith("?mode=ro")
    assert stat.S_IMODE(path.stat().st_mode) & 0o200


def test_the_app_on_a_read_only_database_shows_the_sign_in_and_writes_nothing(read_only_copy, monkeypatch):
    """The sign-in page reads only; signing in writes a session, refused with the reason (not a traceback)."""
    from streamlit.testing.v1 import AppTest

    folder = read_only_copy.parent
    before = _snapshot(folder)
    monkeypatch.setenv("QORGAU_REGION", str(TINY))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(read_only_copy))
    monkeypatch.chdir(PROJECT)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert len(at.text_input) >= 2, "no sign-in form"
    at.text_input[0].input("admin")
    at.text_input[1].input("correct horse battery staple")
    at.button[0].click().run()
    assert not at.exception, at.exception
    shown = [str(e.value) for e in at.error]
    assert any("только для чтения" in value for value in shown), shown
    assert _snapshot(folder) == before


@pytest.mark.parametrize("page", ["pages/home.py", "pages/map.py", "pages/compare.py", "pages/present.py"])
def test_reading_pages_work_on_a_read_only_database(page, deployment, tmp_path, monkeypatch):
    """A session started while the database was writable: the pages that only read still show, and write nothing.
    (Without a baseline, one cannot be made: app.py shows the read-only message, see the test below.)"""
    from streamlit.testing.v1 import AppTest

    from planning.store import access

    folder = tmp_path / "ro"
    shutil.copytree(deployment.parent, folder)
    path = folder / deployment.name
    store = AccessStore(path)
    user = next(u for u in access.list_users(store) if u.username == "admin")
    token = access.start_session(store, user, via="tests")
    baseline_scenario(ScenarioStore(path), load_region(TINY), author="admin")  # made when a page first opened
    for item in folder.iterdir():
        item.chmod(0o444)
    folder.chmod(0o555)
    try:
        before = _snapshot(folder)
        monkeypatch.setenv("QORGAU_REGION", str(TINY))
        monkeypatch.setenv("QORGAU_SCENARIO_DB", str(path))
        monkeypatch.chdir(PROJECT)
        at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
        at.session_state["_session_token"] = token
        at.session_state["user"] = user
        at.run()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert not [e.value for e in at.error if "Traceback" in str(e.value)]
        assert _snapshot(folder) == before
    finally:
        folder.chmod(0o755)


def test_a_baseline_cannot_be_made_in_a_read_only_database_and_says_why(read_only_copy):
    before = _snapshot(read_only_copy.parent)
    with pytest.raises(StorageError) as refused:
        baseline_scenario(ScenarioStore(read_only_copy), load_region(TINY), author="admin")
    assert refused.value.reason == "readonly" and "только для чтения" in refused.value.message("ru")
    assert _snapshot(read_only_copy.parent) == before
