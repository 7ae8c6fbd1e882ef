"""Users, roles, password hashes, OIDC identities, the audit log and the create-admin command."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pg import raw_connection

from planning.store.access import (
    ACTIONS,
    PERMISSIONS,
    ROLES,
    AccessDenied,
    AccessStore,
    UserError,
    authenticate,
    can,
    create_first_admin,
    create_user,
    delete_user,
    entries,
    has_admin,
    incident_level,
    list_users,
    record,
    require,
    role_for_identity,
    set_password,
    set_role,
)

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path, db_at):
    return AccessStore(db_at("qorgau"))


def test_permission_table_is_explicit():
    assert set(PERMISSIONS) == set(ROLES)
    assert all(actions <= set(ACTIONS) for actions in PERMISSIONS.values())
    assert can("planner", "upload_incidents") and can("planner", "edit_scenarios")
    assert can("presenter", "view_district_incidents") and can("presenter", "view_map")
    for action in ("upload_incidents", "edit_scenarios", "view_settlement_incidents", "manage_users"):
        assert not can("presenter", action)
    assert can("admin", "manage_users") and not can("planner", "manage_users")
    assert not can("admin", "upload_incidents") and not can("admin", "view_settlement_incidents")
    assert not any(can(None, action) for action in ACTIONS)
    assert not can("root", "view_map")
    with pytest.raises(KeyError, match="unknown action"):
        can("planner", "upload_incident")  # a typo must not pass silently


def test_require_and_incident_level():
    require("planner", "upload_incidents")
    with pytest.raises(AccessDenied, match="presenter role may not upload incidents"):
        require("presenter", "upload_incidents")
    with pytest.raises(PermissionError, match="not signed in"):
        require(None, "view_map")
    assert [incident_level(r) for r in ("planner", "presenter", "admin", None)] == [
        "settlement",
        "district",
        "district",
        None,
    ]


def test_passwords_are_stored_only_as_argon2_hashes(store):
    create_user(store, "alice", role="planner", password=PASSWORD, by="root")
    raw = b"".join(p.read_bytes() for p in store.path.parent.iterdir())
    assert PASSWORD.encode() not in raw
    with raw_connection(store.path) as db:
        (stored,) = db.execute("SELECT password_hash FROM users WHERE username = 'alice'").fetchone()
    assert stored.startswith("$argon2id$")


def test_authenticate(store):
    create_user(store, "alice", role="planner", password=PASSWORD, by="root")
    user = authenticate(store, "alice", PASSWORD)
    assert user is not None and user.role == "planner"
    assert authenticate(store, "ALICE", PASSWORD).username == "alice"  # names are case-insensitive
    assert authenticate(store, "alice", PASSWORD + "x") is None
    assert authenticate(store, "bob", PASSWORD) is None
    assert authenticate(store, "alice", "") is None
    actions = [(e.user, e.action) for e in entries(store)]
    assert ("alice", "sign-in") in actions and ("bob", "sign-in failed") in actions


def test_user_rules(store):
    with pytest.raises(UserError, match="too short"):
        create_user(store, "alice", role="planner", password="short", by="root")
    with pytest.raises(UserError, match="unknown role"):
        create_user(store, "alice", role="superuser", password=PASSWORD, by="root")
    with pytest.raises(UserError, match="username"):
        create_user(store, "../alice", role="planner", password=PASSWORD, by="root")
    with pytest.raises(UserError, match="password or an e-mail"):
        create_user(store, "alice", role="planner", by="root")
    create_user(store, "alice", role="planner", password=PASSWORD, by="root")
    with pytest.raises(UserError, match="already exists"):
        create_user(store, "Alice", role="presenter", password=PASSWORD, by="root")


def test_roles_change_and_the_last_admin_stays(store):
    create_first_admin(store, "root", PASSWORD)
    create_user(store, "alice", role="planner", password=PASSWORD, by="root")
    assert set_role(store, "alice", "presenter", by="root").role == "presenter"
    assert authenticate(store, "alice", PASSWORD).role == "presenter"
    with pytest.raises(UserError, match="last admin"):
        set_role(store, "root", "planner", by="root")
    with pytest.raises(UserError, match="last admin"):
        delete_user(store, "root", by="root")
    set_role(store, "alice", "admin", by="root")
    delete_user(store, "root", by="alice")
    assert [u.username for u in list_users(store)] == ["alice"]
    with pytest.raises(UserError, match="no user named"):
        set_role(store, "root", "planner", by="alice")
    set_password(store, "alice", "another long passphrase", by="alice")
    assert authenticate(store, "alice", PASSWORD) is None
    assert authenticate(store, "alice", "another long passphrase") is not None


def test_first_admin_only_once(store):
    assert not has_admin(store)
    create_first_admin(store, "root", PASSWORD)
    assert has_admin(store)
    with pytest.raises(UserError, match="an admin already exists"):
        create_first_admin(store, "second", PASSWORD)


def test_oidc_identity_maps_to_a_role(store):
    create_user(store, "d.nurlanovna", role="presenter", email="D.Nurlanovna@akimat.kz", by="root")
    assert role_for_identity("d.nurlanovna@akimat.kz", store) == "presenter"
    assert role_for_identity("stranger@example.org", store) is None
    assert role_for_identity(None, store) is None
    assert authenticate(store, "d.nurlanovna", "") is None  # no password: single sign-on only


def test_audit_log_is_append_only_and_clean(store):
    record(store, user="alice", action="export", object="district report DW 2023\n\x1b[31mforged line")
    entry = entries(store)[0]
    assert entry.user == "alice" and "\n" not in entry.object and "\x1b" not in entry.object
    assert entry.at.endswith("+00:00")
    with raw_connection(store.path) as db:  # on PostgreSQL the owner's: the triggers refuse even it
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM audit_log")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE audit_log SET user = 'mallory'")
    record(store, user="bob", action="save scenario", object="scenario 3 v2")
    assert [e.user for e in entries(store)] == ["bob", "alice"]
    assert [e.user for e in entries(store, user="alice")] == ["alice"]
    assert [e.action for e in entries(store, action="export")] == ["export"]


def test_create_admin_command(tmp_path, cli, db_at):
    db = db_at("q")
    done = cli("create-admin", "--db", str(db), "--username", "root", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    store = AccessStore(db)
    assert authenticate(store, "root", PASSWORD).role == "admin"
    again = cli("create-admin", "--db", str(db), "--username", "other", stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "an admin already exists" in again.stderr and "Traceback" not in again.stderr
    weak = cli("create-admin", "--db", str(db_at("new")), "--username", "root", stdin="short\n")
    assert weak.returncode == 1 and "too short" in weak.stderr
    audit = cli("audit", "--db", str(db))
    assert audit.returncode == 0 and "create user" in audit.stdout and "sign-in" in audit.stdout


def test_import_incidents_command(tmp_path, cli, db_at):
    db = db_at("q")
    good = cli(
        "import-incidents", "--db", str(db), "--region", "data/default", "--user", "alice", "data/default/incidents.csv"
    )
    assert good.returncode == 0, good.stderr
    assert "stored" in good.stdout
    bad = cli(
        "import-incidents",
        "--db",
        str(db),
        "--region",
        "data/default",
        "--user",
        "alice",
        "tests/data/bad/bad_counts.csv",
    )
    assert bad.returncode == 2 and "column 'count'" in bad.stderr
