"""Accounts and sessions (planning.store.access): sign-in limits per user and per client, temporary and own passwords,
sessions that end when the user changes, idles or the token is forged, and OIDC's email_verified."""

from __future__ import annotations

import pytest

from planning.store import access

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different long passphrase"
T0 = 1_800_000_000.0
"""A fixed clock, seconds since the epoch."""


@pytest.fixture
def store(tmp_path, db_at):
    store = access.AccessStore(db_at("qorgau"))
    access.create_first_admin(store, "boss", PASSWORD)
    for name, role in (("pat", "planner"), ("vera", "presenter")):
        access.create_user(store, name, role=role, password=PASSWORD, by="boss")
    return store


def fail(store, username, client, times, now=T0):
    for i in range(times):
        assert access.authenticate(store, username, "wrong password here", client=client, now=now + i) is None


# --- lockout: an exponential delay per name and client, not a lock anyone can set -----------------------------------
def test_failures_from_one_client_make_that_client_wait_longer_each_time_not_the_user_elsewhere(store):
    fail(store, "pat", "10.0.0.1", access.FREE_FAILURES_PER_PAIR)
    last = T0 + access.FREE_FAILURES_PER_PAIR - 1
    assert access.lockout_remaining_s(store, "pat", "10.0.0.1", now=last) == 0.0  # the free tries cost nothing
    waits = []
    for i in range(4):
        now = last + 100 * (i + 1)
        assert access.authenticate(store, "pat", "wrong password here", client="10.0.0.1", now=now) is None
        waits.append(access.lockout_remaining_s(store, "pat", "10.0.0.1", now=now))
    assert waits == [access.BASE_DELAY_S * 2**i for i in range(4)]  # 2, 4, 8, 16 s
    with pytest.raises(access.SignInLocked) as locked:
        access.authenticate(store, "pat", PASSWORD, client="10.0.0.1", now=now + 1)  # even the right password waits
    assert locked.value.scope == "user" and 0 < locked.value.retry_after_s <= waits[-1]
    # the same user from their own machine is not held up by the attacker's tries
    assert access.authenticate(store, "pat", PASSWORD, client="10.0.0.2", now=now + 1) is not None
    assert access.authenticate(store, "pat", PASSWORD, client="10.0.0.1", now=now + waits[-1] + 1) is not None


def test_an_attacker_elsewhere_can_slow_a_user_by_at_most_a_minute(store):
    for i in range(access.FREE_FAILURES_PER_USER + 20):  # from ever new addresses
        try:
            access.authenticate(store, "boss", "wrong password here", client=f"10.9.{i // 250}.{i % 250}", now=T0 + i)
        except access.SignInLocked as locked:
            assert locked.retry_after_s <= access.MAX_USER_DELAY_S
    wait = access.lockout_remaining_s(store, "boss", "192.168.1.5", now=T0 + access.FREE_FAILURES_PER_USER + 19.5)
    assert 0 < wait <= access.MAX_USER_DELAY_S


def test_refused_and_failed_tries_are_summarised_not_logged_one_by_one(store):
    for i in range(40):
        try:
            access.authenticate(store, "vera", "wrong password here", client="10.0.0.7", now=T0 + i * 0.5)
        except access.SignInLocked:
            pass
    rows = access.entries(store, user="vera")
    assert 2 <= len(rows) <= 12  # 1st, 2nd, 4th ... failed and refused tries, not 40 rows
    assert any("failed" in e.object and "refused" in e.object for e in rows)
    later = T0 + 20 + access.lockout_remaining_s(store, "vera", "10.0.0.7", now=T0 + 20) + 1
    user = access.authenticate(store, "vera", PASSWORD, client="10.0.0.7", now=later)
    assert user is not None
    assert "after" in access.entries(store, user="vera", action="sign-in")[0].object


def test_unknown_names_wait_like_known_ones(store):
    fail(store, "nobody", "10.0.0.1", access.MAX_FAILURES_PER_USER)
    with pytest.raises(access.SignInLocked):
        access.authenticate(store, "nobody", "whatever it is", client="10.0.0.1", now=T0 + 4)


def test_a_client_waits_after_failures_across_many_names(store):
    for i in range(access.MAX_FAILURES_PER_CLIENT):
        assert access.authenticate(store, f"guess{i}", "wrong password here", client="10.6.6.6", now=T0 + i) is None
    with pytest.raises(access.SignInLocked) as locked:
        access.authenticate(store, "pat", PASSWORD, client="10.6.6.6", now=T0 + access.MAX_FAILURES_PER_CLIENT)
    assert locked.value.scope == "client"
    assert access.authenticate(store, "pat", PASSWORD, client="10.0.0.1", now=T0 + 30) is not None


def test_the_limit_holds_across_store_objects_and_a_success_clears_the_count(store):
    fail(store, "pat", "10.0.0.1", access.MAX_FAILURES_PER_USER - 1)
    other_process = access.AccessStore(store.path)
    assert access.authenticate(other_process, "pat", PASSWORD, client="10.0.0.1", now=T0 + 20) is not None
    fail(other_process, "pat", "10.0.0.1", access.MAX_FAILURES_PER_USER - 1, now=T0 + 30)
    assert access.lockout_remaining_s(store, "pat", "10.0.0.1", now=T0 + 40) == 0.0


# --- passwords ------------------------------------------------------------------------------------------------------
def test_a_temporary_password_must_be_changed_and_the_change_needs_the_current_one(store):
    access.create_user(store, "nurlan", role="planner", password="temporary-0123456", temporary=True, by="boss")
    user = access.authenticate(store, "nurlan", "temporary-0123456", now=T0)
    assert user.must_change_password
    token = access.start_session(store, user, via="password", now=T0)
    assert access.session_user(store, token, now=T0 + 1, idle_s=600).must_change_password
    with pytest.raises(access.UserError, match="current password is wrong"):
        access.change_password(store, "nurlan", current="not it at all!", new=NEW_PASSWORD, token=token, now=T0 + 2)
    with pytest.raises(access.UserError, match="same"):
        access.change_password(store, "nurlan", current="temporary-0123456", new="temporary-0123456", now=T0 + 3)
    with pytest.raises(access.UserError, match="too short"):
        access.change_password(store, "nurlan", current="temporary-0123456", new="short", now=T0 + 4)
    access.change_password(store, "nurlan", current="temporary-0123456", new=NEW_PASSWORD, token=token, now=T0 + 5)
    assert not access.session_user(store, token, now=T0 + 6, idle_s=600).must_change_password  # this one stays
    assert access.authenticate(store, "nurlan", "temporary-0123456", now=T0 + 7) is None
    assert access.authenticate(store, "nurlan", NEW_PASSWORD, now=T0 + 8).must_change_password is False


def test_an_admin_reset_is_temporary_and_own_change_ends_the_other_sessions(store):
    access.set_password(store, "pat", "reset-by-admin-42", temporary=True, by="boss")
    assert access.authenticate(store, "pat", "reset-by-admin-42", now=T0).must_change_password
    user = access.authenticate(store, "pat", "reset-by-admin-42", now=T0)
    here = access.start_session(store, user, via="password", now=T0)
    elsewhere = access.start_session(store, user, via="password", now=T0)
    access.change_password(store, "pat", current="reset-by-admin-42", new=NEW_PASSWORD, token=here, now=T0 + 1)
    assert access.session_user(store, here, now=T0 + 2, idle_s=600).username == "pat"
    with pytest.raises(access.SessionEnded):
        access.session_user(store, elsewhere, now=T0 + 2, idle_s=600)


def test_wrong_current_passwords_count_towards_the_lockout(store):
    for i in range(access.MAX_FAILURES_PER_USER):
        with pytest.raises(access.UserError):
            access.change_password(store, "pat", current=f"guess number {i}", new=NEW_PASSWORD, now=T0 + i)
    with pytest.raises(access.SignInLocked):
        access.change_password(store, "pat", current=PASSWORD, new=NEW_PASSWORD, now=T0 + access.MAX_FAILURES_PER_USER)


# --- sessions -------------------------------------------------------------------------------------------------------
def _session(store, name="pat", now=T0):
    return access.start_session(store, access.authenticate(store, name, PASSWORD, now=now), via="password", now=now)


@pytest.mark.parametrize(
    "change",
    [
        lambda store: access.delete_user(store, "pat", by="boss"),
        lambda store: access.set_role(store, "pat", "presenter", by="boss"),
        lambda store: access.set_password(store, "pat", "brand-new-secret-1", temporary=True, by="boss"),
    ],
    ids=["deleted", "demoted", "re-passworded"],
)
def test_a_changed_user_loses_access_at_the_next_action(store, change):
    token = _session(store)
    assert access.session_user(store, token, now=T0 + 1, idle_s=600).role == "planner"
    change(store)
    with pytest.raises(access.SessionEnded) as ended:
        access.session_user(store, token, now=T0 + 2, idle_s=600)
    assert ended.value.reason in ("changed", "ended")
    with pytest.raises(access.SessionEnded):  # and stays out
        access.session_user(store, token, now=T0 + 3, idle_s=600)


def test_a_deleted_and_recreated_name_does_not_inherit_old_sessions(store):
    token = _session(store)
    access.delete_user(store, "pat", by="boss")
    access.create_user(store, "pat", role="planner", password=PASSWORD, by="boss")
    with pytest.raises(access.SessionEnded):
        access.session_user(store, token, now=T0 + 1, idle_s=600)


def test_an_idle_session_ends_and_an_active_one_does_not(store):
    token = _session(store)
    for minute in range(1, 40, 5):  # an action every 5 minutes keeps it alive past the 10-minute idle limit
        access.session_user(store, token, now=T0 + minute * 60, idle_s=600)
    with pytest.raises(access.SessionEnded) as ended:
        access.session_user(store, token, now=T0 + 36 * 60 + 601, idle_s=600)
    assert ended.value.reason == "idle"


def test_an_untouched_check_does_not_restart_the_idle_clock(store):
    token = _session(store)
    access.session_user(store, token, now=T0 + 500, idle_s=600, touch=False)
    with pytest.raises(access.SessionEnded):
        access.session_user(store, token, now=T0 + 601, idle_s=600)


def test_the_idle_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(access.IDLE_MINUTES_ENV, raising=False)
    assert access.idle_limit_s() == access.DEFAULT_IDLE_MINUTES * 60
    monkeypatch.setenv(access.IDLE_MINUTES_ENV, "7.5")
    assert access.idle_limit_s() == 450
    for bad in ("0", "-3", "soon", "inf"):
        monkeypatch.setenv(access.IDLE_MINUTES_ENV, bad)
        with pytest.raises(access.UserError, match=access.IDLE_MINUTES_ENV):
            access.idle_limit_s()


def test_a_session_expires_however_active(store):
    token = _session(store)
    with pytest.raises(access.SessionEnded) as ended:
        access.session_user(store, token, now=T0 + access.SESSION_MAX_S, idle_s=10 * access.SESSION_MAX_S)
    assert ended.value.reason == "expired"


def _tampered(token: str) -> list[str]:
    session_id, expires, signature = token.split(".")
    flip = "A" if signature[0] != "A" else "B"
    return [
        f"{session_id}.{int(expires) + 3600}.{signature}",  # a later expiry, same signature
        f"{session_id[:-1]}{'x' if session_id[-1] != 'x' else 'y'}.{expires}.{signature}",
        f"{session_id}.{expires}.{flip}{signature[1:]}",
        f"{session_id}.{expires}",
        "",
        "garbage",
        None,
    ]


def test_a_tampered_or_malformed_token_is_refused(store):
    token = _session(store)
    for forged in _tampered(token):
        with pytest.raises(access.SessionEnded) as ended:
            access.session_user(store, forged, now=T0 + 1, idle_s=600)
        assert ended.value.reason == "invalid", forged
    assert access.session_user(store, token, now=T0 + 1, idle_s=600).username == "pat"  # the real one still works


def test_a_token_signed_with_another_databases_key_is_refused(store, tmp_path, db_at):
    other = access.AccessStore(db_at("other"))
    access.create_first_admin(other, "pat", PASSWORD)
    foreign = access.start_session(other, access.User("pat", "admin", None), via="password", now=T0)
    with pytest.raises(access.SessionEnded) as ended:
        access.session_user(store, foreign, now=T0 + 1, idle_s=600)
    assert ended.value.reason == "invalid"


def test_sign_out_ends_the_token_everywhere(store):
    token = _session(store)
    access.end_session(store, token)
    with pytest.raises(access.SessionEnded) as ended:
        access.session_user(store, token, now=T0 + 1, idle_s=600)
    assert ended.value.reason == "ended"


def test_a_cookie_ticket_is_redeemed_once_and_only_in_time(store):
    token = _session(store)
    ticket = access.cookie_ticket(store, token, now=T0)
    assert access.ticket_pending(store, ticket, now=T0 + 1)
    assert access.redeem_cookie_ticket(store, ticket, now=T0 + 1) == token
    assert access.redeem_cookie_ticket(store, ticket, now=T0 + 2) is None
    late = access.cookie_ticket(store, token, now=T0)
    assert access.redeem_cookie_ticket(store, late, now=T0 + access.COOKIE_TICKET_S + 1) is None
    assert access.redeem_cookie_ticket(store, "made-up", now=T0) is None


# --- OIDC -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "claims, expected",
    [
        ({"email": "vera@akimat.kz", "email_verified": True}, "vera@akimat.kz"),
        ({"email": "vera@akimat.kz", "email_verified": "true"}, "vera@akimat.kz"),
        ({"email": "vera@akimat.kz", "email_verified": False}, None),
        ({"email": "vera@akimat.kz", "email_verified": "false"}, None),
        ({"email": "vera@akimat.kz", "email_verified": 1}, None),
        ({"email": "vera@akimat.kz"}, None),
        ({"email_verified": True}, None),
        ({}, None),
    ],
)
def test_only_a_verified_email_identifies_a_user(claims, expected):
    assert access.verified_email(claims) == expected


def test_a_database_from_before_sessions_is_upgraded_in_place(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(access.SCHEMA)  # the users table without generation and must_change_password
        db.execute(
            "INSERT INTO users (username, email, role, password_hash, created_at, created_by) "
            "VALUES ('pat', NULL, 'planner', ?, '2026-01-01T00:00:00+00:00', 'boss')",
            (access._HASHER.hash(PASSWORD),),
        )
    store = access.AccessStore(path)
    user = access.authenticate(store, "pat", PASSWORD, now=T0)
    assert user == access.User("pat", "planner", None)
    assert (
        access.session_user(
            store, access.start_session(store, user, via="password", now=T0), now=T0 + 1, idle_s=600
        ).username
        == "pat"
    )
