"""Shared fixtures: the tiny hand-made region, broken files, and the real fixture beside the project."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny"
BROKEN = DATA / "broken"
SHARED_TURKISTAN = PROJECT.parent / "shared" / "data" / "turkistan"
DEFAULT_REGION = PROJECT / "data" / "default"
COVERAGE_FIGURE_KEYS = {
    "population_covered",
    "population_total",
    "settlements_covered",
    "settlements_total",
    "incidents_covered",
    "incidents_total",
}
"""Figures every threshold of a coverage's JSON carries (``Coverage.to_dict``, ``python -m planning coverage
--json``): the names scripts read, written out here so that a renamed field fails the tests."""

# built road networks are cached in the user's cache folder: the tests (and the servers they start) use their own
os.environ.setdefault("QORGAU_CACHE_DIR", tempfile.mkdtemp(prefix="qorgau-test-cache-"))

NON_TEXT_FIELDS = frozenset(
    {
        "id",
        "formId",
        "type",
        "key",
        "format",
        "dataType",
        "icon",
        "url",
        "pageScriptHash",
        "urlPathname",
        "componentName",
        "jsonArgs",
        "specialArgs",
        "data",
        "styles",
        "arrowData",
        "elementId",
    }
)
"""Fields of Streamlit's element protos that never hold text the reader sees (ids, arrow bytes, component
arguments): the tests that read every page's text (test_every_page_text, test_one_language) pass over them."""


needs_shared = pytest.mark.skipif(
    not (SHARED_TURKISTAN / "region.json").is_file(),
    reason=f"real-data fixture not found at {SHARED_TURKISTAN} "
    "(it lives in ../shared/data/turkistan beside the project)",
)


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch) -> Path:
    """An empty app database in tmp_path, named by QORGAU_SCENARIO_DB, with the tiny region as QORGAU_REGION and the
    project as the working folder: what pages and CLI commands use when they run in a test."""
    from planning.store.db import DB_ENV_VAR

    path = tmp_path / "qorgau.sqlite"
    monkeypatch.setenv(DB_ENV_VAR, str(path))
    monkeypatch.setenv("QORGAU_REGION", str(TINY))
    monkeypatch.chdir(PROJECT)
    return path


@pytest.fixture
def tiny_region(tmp_path: Path) -> Path:
    """A writable copy of the tiny hand-made region (4 settlements, 2 districts, 1 service)."""
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    return target


@pytest.fixture
def region_with(tiny_region: Path):
    """``region_with("settlements_outside.csv", as_="settlements.csv")``: the tiny region with a broken file in."""

    def make(broken_name: str, *, as_: str) -> Path:
        # other settlements invalidate the incident counts, which name settlements of the tiny region
        for stale in (
            ("settlements.csv", "settlements.geojson", "incidents.csv") if as_.startswith("settlements") else ()
        ):
            (tiny_region / stale).unlink(missing_ok=True)
        shutil.copy(BROKEN / broken_name, tiny_region / as_)
        return tiny_region

    return make


def signed_in_app(page: str | None = None, *, role: str = "planner", timeout_s: int = 120):
    """An AppTest of app.py run as a signed-in ``role`` (then switched to ``page``), checked for exceptions.
    The caller sets QORGAU_REGION / QORGAU_SCENARIO_DB first."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=timeout_s)
    sign_in_session(at, "tester", role)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def sign_in_session(at, username: str = "tester", role: str = "planner", *, email: str | None = None):
    """Sign ``at`` in as the sign-in page does: ``username`` (created with ``role`` in the database that
    QORGAU_SCENARIO_DB names, or given that role) gets a session whose token goes into the session state.
    A User put into the session state alone grants nothing (pages.auth.current_user checks the session)."""
    from planning.store import access

    store = access.AccessStore()
    existing = {u.username: u for u in access.list_users(store)}
    if username not in existing:
        access.create_user(store, username, role=role, password="correct horse battery staple", email=email, by="tests")
    elif existing[username].role != role:
        access.set_role(store, username, role, by="tests")
    user = next(u for u in access.list_users(store) if u.username == username)
    at.session_state["_session_token"] = access.start_session(store, user, via="tests")
    at.session_state["user"] = user
    return user


@pytest.fixture(autouse=True)
def release_secret(monkeypatch):
    """A fixed release secret for every test (and the CLI runs they start), so no test writes one into the user's
    own data folder; tests of the secret itself unset it."""
    monkeypatch.setenv("QORGAU_RELEASE_SECRET", "tests-only release secret, not for deployment")


TEST_SECRET = b"tests-only release secret, not for deployment"


def release_of(counts, *, ids=None, k: int = 5, period: str = "2023", scope: str = "test"):
    """The protected release (planning.release) of per-settlement ``counts`` recorded in one ``period``."""
    import numpy as np
    import pandas as pd

    from planning.release import release_for

    counts = np.asarray(counts, dtype=np.int64)
    ids = [f"s{i}" for i in range(len(counts))] if ids is None else list(ids)
    frame = pd.DataFrame(
        {"settlement_id": ids, "district_id": [None] * len(ids), "period": period, "count": counts, "synthetic": False}
    )
    return release_for(frame, ids, scope=scope, secret=TEST_SECRET, k=k)


STORE_BACKENDS = ("sqlite", "postgresql")
"""The stores under test run on both: a SQLite file and a schema of a real PostgreSQL server (tests/pg.py)."""


@pytest.fixture(scope="session")
def postgres_database():
    """A throw-away database (owner and app roles) on a real PostgreSQL server, found or started (tests/pg.py)."""
    import pg

    with pg.server() as url, pg.session_database(url) as database:
        yield database


@pytest.fixture(params=STORE_BACKENDS)
def db_at(request, tmp_path: Path):
    """``db_at("name")``: a database of its own for the test, on SQLite (``tmp_path/name.sqlite``) and, as a second
    run of the test, on PostgreSQL (a new schema named by ``tmp_path/name.pgstore``); the same name gives the same
    database within a test."""
    if request.param == "sqlite":
        return lambda name="qorgau": tmp_path / f"{name}.sqlite"
    import pg

    database = request.getfixturevalue("postgres_database")
    made: dict[str, Path] = {}

    def make(name: str = "qorgau") -> Path:
        if name not in made:
            made[name] = pg.store_file(database, tmp_path, name)
        return made[name]

    return make


@pytest.fixture
def cli(monkeypatch, capsys):
    """``cli(*ARGS, stdin="")``: run ``python -m planning ARGS`` in this process (the same code path as the shell),
    with ``stdin`` as its standard input; a CompletedProcess with the exit code and what it printed."""
    import io
    import subprocess

    from planning.cli import main

    def run(*args, stdin: str = ""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        monkeypatch.chdir(PROJECT)
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run
