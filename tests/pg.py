"""A real PostgreSQL server for the store tests: one found, else one started in a temporary folder.

:func:`server` (once per test session) gives a superuser URL, in this order:

1. ``TEST_POSTGRES_URL`` (a superuser's URL), when set;
2. the server answering on 127.0.0.1:5432, when the ``postgres`` system account can sign in to it over its socket
   (``runuser -u postgres -- psql``, as root): a throw-away superuser role is made there, dropped at the end;
3. else a throw-away cluster of Debian's ``postgresql`` package (``initdb`` + ``pg_ctl`` in a temporary folder, on a
   free loopback port, trust sign-in on loopback only, run as ``postgres`` when we are root), stopped and removed
   at the end.

On it :func:`session_database` makes a throw-away database owned by a throw-away owner role, with an app role that
the schema's grants limit (:mod:`planning.store.dialect`), and drops them at the end; :func:`store_file` gives each
test its own schema in it, named by a store file in the test's folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

URL_ENV_VAR = "TEST_POSTGRES_URL"
"""A superuser's URL of the server the tests may use (else one is found or started, see the module docstring)."""
DEFAULT_PORT = 5432
START_TIMEOUT_S = 60
"""How long starting the throw-away cluster may take, seconds."""


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _as_postgres(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``command`` run as the ``postgres`` system account when we are root, else as ourselves."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


@contextlib.contextmanager
def server() -> Iterator[str]:
    """A superuser URL of a running PostgreSQL (see the module docstring); what was made is removed after."""
    given = os.environ.get(URL_ENV_VAR, "").strip()
    if given:
        yield given
        return
    if _answers(DEFAULT_PORT) and os.geteuid() == 0 and shutil.which("psql"):
        role, password = f"qorgau_test_{secrets.token_hex(4)}", secrets.token_hex(16)
        try:
            _as_postgres(["psql", "-qAtc", f"CREATE ROLE {role} SUPERUSER LOGIN PASSWORD '{password}'"])
        except subprocess.CalledProcessError:
            pass  # not ours to use: start our own below
        else:
            try:
                yield f"postgresql://{role}:{password}@127.0.0.1:{DEFAULT_PORT}/postgres"
            finally:
                _as_postgres(["psql", "-qAtc", f"DROP ROLE IF EXISTS {role}"])
            return
    with own_cluster() as url:
        yield url


@contextlib.contextmanager
def own_cluster() -> Iterator[str]:
    """A throw-away cluster in a temporary folder on a free loopback port; its superuser's URL."""
    binaries = _binaries()
    if binaries is None:
        raise RuntimeError(
            "no PostgreSQL server to test with: none answers on 127.0.0.1:5432 and Debian's postgresql package is "
            f"not installed. Fix: apt-get install postgresql (make test does), or set {URL_ENV_VAR}."
        )
    folder = Path(tempfile.mkdtemp(prefix="qorgau-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    _as_postgres(
        [str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _as_postgres(
        [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "-t", "60"]
        + ["start"],
        timeout=START_TIMEOUT_S + 10,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Database:
    """A throw-away database: the superuser's, the owner role's and the app role's URLs (no schema chosen)."""

    admin_url: str
    owner_url: str
    app_url: str
    owner: str
    app: str

    def schema_urls(self, schema: str) -> tuple[str, str]:
        """(app URL, owner URL) with ``schema`` as the search path."""
        option = f"options=-csearch_path%3D{schema}"
        return f"{self.app_url}?{option}", f"{self.owner_url}?{option}"


def _with(url: str, *, user: str, password: str, database: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = f"{user}:{password}@{parts.hostname}:{parts.port or DEFAULT_PORT}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}", query=""))


@contextlib.contextmanager
def session_database(admin_url: str) -> Iterator[Database]:
    """A database owned by a new owner role, with a new app role (both dropped after, with the database)."""
    import psycopg

    tag = secrets.token_hex(4)
    name, owner, app = f"qorgau_test_{tag}", f"qorgau_owner_{tag}", f"qorgau_app_{tag}"
    owner_password, app_password = secrets.token_hex(16), secrets.token_hex(16)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN PASSWORD '{owner_password}'")
        admin.execute(f"CREATE ROLE {app} LOGIN PASSWORD '{app_password}'")
        admin.execute(f"CREATE DATABASE {name} OWNER {owner}")
    # processes the tests start (a second app process, a command) find the passwords where libpq looks
    folder = Path(tempfile.mkdtemp(prefix="qorgau-pgpass-"))
    passfile = folder / "pgpass"
    passfile.write_text(f"*:*:{name}:{owner}:{owner_password}\n*:*:{name}:{app}:{app_password}\n", encoding="utf-8")
    passfile.chmod(0o600)
    before = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(passfile)
    try:
        yield Database(
            admin_url=_with(admin_url, user=_user(admin_url), password=_password(admin_url), database=name),
            owner_url=_with(admin_url, user=owner, password=owner_password, database=name),
            app_url=_with(admin_url, user=app, password=app_password, database=name),
            owner=owner,
            app=app,
        )
    finally:
        if before is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = before
        shutil.rmtree(folder, ignore_errors=True)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {app}")
            admin.execute(f"DROP ROLE IF EXISTS {owner}")


def _user(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).username or "postgres"


def _password(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).password or ""


def new_schema(database: Database) -> str:
    """A new, empty schema in ``database``, owned by its owner role; its name."""
    import psycopg

    schema = f"s_{secrets.token_hex(6)}"
    with psycopg.connect(database.owner_url, autocommit=True) as owner:
        owner.execute(f"CREATE SCHEMA {schema}")
    return schema


def store_file(database: Database, folder: Path, name: str = "qorgau") -> Path:
    """A new schema in ``database`` (owned by its owner role) and the store file naming it in ``folder``."""
    from planning.store import dialect

    app_url, owner_url = database.schema_urls(new_schema(database))
    return dialect.write_store_file(folder / f"{name}{dialect.STORE_FILE_SUFFIX}", app_url, owner_url)


@contextlib.contextmanager
def raw_connection(path: Path, *, role: str = "owner") -> Iterator:
    """A connection to the database ``path`` around the stores (as a tamperer or a test reads it): ``sqlite3`` on a
    SQLite file; on a PostgreSQL store file, the owner role's (or with ``role="app"`` the app role's) connection,
    each statement committed at once, with the stores' SQL dialect (:class:`planning.store.dialect.PgConnection`)."""
    import sqlite3

    from planning.store import dialect

    if not str(path).endswith(dialect.STORE_FILE_SUFFIX):
        with contextlib.closing(sqlite3.connect(path)) as connection, connection:
            yield connection
        return
    app_url, owner_url = dialect.read_store_file(path)
    connection = dialect.connect(owner_url if role == "owner" and owner_url else app_url, path)
    try:
        yield connection
    finally:
        connection.close()
