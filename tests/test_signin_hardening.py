"""Sign-in that cannot be turned against its users (issue 21 item 3): names in full, common passwords refused,
session tickets kept only as hashes; and the audit check runs on a read-only copy (item 4)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys

import pytest
from conftest import PROJECT

from planning.store import access, chain

PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(tmp_path):
    store = access.AccessStore(tmp_path / "qorgau.sqlite")
    access.create_first_admin(store, "admin", PASSWORD)
    return store


@pytest.mark.parametrize("name", ["admin\n", "admin ", " admin", "ad\x00min", "ad\u200bmin", "a", "x" * 65, "ad/min"])
def test_names_with_control_characters_spaces_or_a_trailing_newline_are_invalid(store, name):
    with pytest.raises(access.UserError) as refused:
        access.create_user(store, name, role="planner", password=PASSWORD, by="admin")
    assert refused.value.key == "bad_name"


@pytest.mark.parametrize("name", ["ADMIN", "Admin", "ａｄｍｉｎ", "ＡＤＭＩＮ"])
def test_names_equal_after_nfkc_and_case_folding_are_duplicates(store, name):
    with pytest.raises(access.UserError) as refused:
        access.create_user(store, name, role="admin", password=PASSWORD, by="admin")
    assert refused.value.key == "name_taken"
    assert [u.username for u in access.list_users(store)] == ["admin"]


def test_a_fullwidth_name_signs_in_as_the_user(store):
    assert access.authenticate(store, "ＡＤＭＩＮ", PASSWORD, now=1.0).username == "admin"


@pytest.mark.parametrize(
    "password, problem",
    [
        ("123456789012", "pattern"),
        ("aaaaaaaaaaaa", "pattern"),
        ("abcabcabcabc", "pattern"),
        ("qwerty123456", "common"),
        ("password2024!", "common"),
        ("1q2w3e4r5t6y", "common"),
        ("nurlan-the-planner", "name"),
        ("qorgau-is-my-password", "name"),
    ],
)
def test_common_patterned_or_named_passwords_are_refused(store, password, problem):
    assert access.password_problem(password, "nurlan") == problem
    with pytest.raises(access.UserError) as refused:
        access.create_user(store, "nurlan", role="planner", password=password, by="admin")
    assert refused.value.key in (f"password_{problem}", "too_short")


def test_a_passphrase_is_accepted_and_the_list_names_its_source():
    assert access.password_problem(PASSWORD, "nurlan") is None
    assert 9_900 <= len(access.common_passwords()) <= 10_000
    assert "django" in access.COMMON_PASSWORDS_FILE.read_text(encoding="utf-8")[:600].lower()


def test_a_cookie_ticket_keeps_no_token_in_clear(store):
    user = access.authenticate(store, "admin", PASSWORD, now=1.0)
    token = access.start_session(store, user, via="password", now=1.0)
    ticket = access.cookie_ticket(store, token, now=2.0)
    connection = sqlite3.connect(store.path)
    dump = "\n".join(connection.iterdump())
    connection.close()
    assert token not in dump and ticket not in dump
    assert token.split(".")[0] not in dump
    assert access.redeem_cookie_ticket(store, ticket, now=3.0) == token


def test_audit_verify_runs_on_a_read_only_copy(store, tmp_path):
    folder = store.path.parent
    for path in folder.iterdir():
        path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    try:
        before = sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-shm", "-wal")))
        done = subprocess.run(
            [sys.executable, "-m", "planning", "audit", "--verify", "--db", str(store.path)],
            cwd=PROJECT,
            env={**os.environ, "QORGAU_LANG": "en"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        after = sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-shm", "-wal")))
        assert after == before  # no key, head or database created (SQLite's own WAL index aside, as root)
    finally:
        folder.chmod(0o755)
        for path in folder.iterdir():
            path.chmod(0o644)
    assert chain.head_path(store.path).exists()


def test_a_rename_checks_the_name_it_renamed(tmp_path):
    from planning.scenarios import Site
    from planning.store.scenarios import ScenarioError, ScenarioStore

    store = ScenarioStore(tmp_path / "qorgau.sqlite")
    plan = store.create("Plan", "tiny", [Site("c1", "Centre", "permanent", 43.3, 68.25)], author="ana")
    store.rename(plan.scenario_id, "Plan A", author="ana", base_name="Plan")
    with pytest.raises(ScenarioError, match="renamed to 'Plan A' by someone else"):
        store.rename(plan.scenario_id, "Plan B", author="bek", base_name="Plan")  # bek read it before ana's rename
    assert store.load(plan.scenario_id).name == "Plan A"
