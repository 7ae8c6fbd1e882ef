"""The one store that several app processes share in the multi-process tests and in ``bench/bench_servers.py``.

Everything that says where the store is lives here: :func:`store_env` (the environment given to every app server,
writer process and CLI call) and :func:`open_stores` (the same store opened in the test process, the way the pages
open it). It is SQLite today (``QORGAU_SCENARIO_DB``, one file the processes on this machine share); a PostgreSQL
target (``QORGAU_DATABASE_URL``) is added by parametrizing :func:`store_env` and nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PASSWORD = "correct horse battery staple"
"""The password of every user :func:`add_users` creates (the browser tests' password)."""


def store_env(folder: Path) -> dict[str, str]:
    """The environment variables that point an app process at the shared store kept under ``folder``.

    Parameters
    ----------
    folder : Path
        A temporary folder of the test (the SQLite file is made there).

    Returns
    -------
    dict of str to str
        Added to ``os.environ`` for every server, writer and CLI process of the test.
    """
    return {"QORGAU_SCENARIO_DB": str(folder / "qorgau.sqlite")}


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def open_stores(env: dict[str, str]):
    """``(AccessStore, ScenarioStore)`` of the store ``env`` names, opened as the pages open theirs (from the
    environment, :func:`planning.store.db.default_db_path`)."""
    from planning.store.access import AccessStore
    from planning.store.db import default_db_path
    from planning.store.scenarios import ScenarioStore

    with _environment(env):
        where = default_db_path()
        return AccessStore(where), ScenarioStore(where)


def add_users(env: dict[str, str], planners: list[str]) -> None:
    """An admin ``boss`` and the ``planners`` (password :data:`PASSWORD`) in the store ``env`` names."""
    from planning.store import access

    store, _ = open_stores(env)
    access.create_first_admin(store, "boss", PASSWORD)
    for name in planners:
        access.create_user(store, name, role="planner", password=PASSWORD, by="boss")


@pytest.fixture
def shared_store(tmp_path) -> dict[str, str]:
    """The environment of a fresh shared store (see :func:`store_env`) for the app processes of one test."""
    folder = tmp_path / "store"
    folder.mkdir()
    return store_env(folder)


HAPROXY_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "haproxy.cfg"
"""The deployment's proxy configuration, used as it is (addresses from the environment)."""
HAPROXY_WAIT_S = 60.0
"""How long :func:`start_haproxy` waits for the proxy to answer for a server, in seconds."""


def haproxy_binary() -> str | None:
    """Debian's ``haproxy`` when installed, else None."""
    import shutil

    return shutil.which("haproxy") or next(
        (path for path in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(path).exists()), None
    )


def start_haproxy(app_urls: list[str], port: int):
    """HAProxy with :data:`HAPROXY_CONFIG` on 127.0.0.1:``port`` in front of the two servers ``app_urls``
    (``http://127.0.0.1:PORT``); returns ``(process, url)`` once a health check through it answers 200.

    Raises
    ------
    RuntimeError
        When haproxy is not installed, refuses the configuration or does not answer within
        :data:`HAPROXY_WAIT_S` (its output in the message).
    """
    import subprocess
    import time
    import urllib.request

    binary = haproxy_binary()
    if binary is None:
        raise RuntimeError("haproxy is not installed. Fix: apt-get install haproxy (make test does).")
    if len(app_urls) != 2:
        raise ValueError(f"{HAPROXY_CONFIG} names two app servers; {len(app_urls)} were given")
    env = {
        **os.environ,
        "QORGAU_PROXY_BIND": f"127.0.0.1:{port}",
        **{f"QORGAU_APP{n}": url.removeprefix("http://") for n, url in enumerate(app_urls, start=1)},
    }
    process = subprocess.Popen(
        [binary, "-db", "-f", str(HAPROXY_CONFIG)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + HAPROXY_WAIT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    output = process.communicate()[0].decode(errors="replace")[-2000:]
    raise RuntimeError(f"haproxy with {HAPROXY_CONFIG} did not answer on {url}: {output}")
