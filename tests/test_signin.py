"""The sign-in gate, roles and the users page, in Streamlit's AppTest on the bundled region.

Users live in a temporary database (QORGAU_SCENARIO_DB). AppTest runs the entry point (app.py) on the first
run and then the current page only (its sidebar, with the sign-out button, is gone on reruns: the browser test
signs out), so role-gated pages are also run directly: their own guard must stop them.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from conftest import DEFAULT_REGION, PROJECT, sign_in_session
from streamlit.testing.v1 import AppTest

from pages.language import FRAMED_KEY
from planning.markup import NO_LINK_JOINER
from planning.store import access

APP = str(PROJECT / "app.py")
PASSWORD = "correct horse battery staple"
ROLES_BY_USER = {"boss": "admin", "pat": "planner", "vera": "presenter"}


@pytest.fixture
def db(tmp_path, monkeypatch):
    """An empty shared database in tmp_path, and the bundled region."""
    path = tmp_path / "qorgau.sqlite"
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(path))
    monkeypatch.setenv("QORGAU_REGION", str(DEFAULT_REGION))
    monkeypatch.chdir(PROJECT)
    return path


@pytest.fixture
def users(db):
    """The database with an admin, a planner and a presenter (all with PASSWORD)."""
    store = access.AccessStore(db)
    access.create_first_admin(store, "boss", PASSWORD)
    for name, role in ROLES_BY_USER.items():
        if role != "admin":
            access.create_user(store, name, role=role, password=PASSWORD, email=f"{name}@akimat.kz", by="boss")
    return store


def app(user: str | None = None, *, page: str | None = None) -> AppTest:
    """app.py run once (as ``user`` when given), then ``page`` when given."""
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        sign_in_session(at, user, ROLES_BY_USER[user])
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def oidc_app(email: str, *, verified: bool = True) -> AppTest:
    """app.py run once with an identity provider configured and ``email`` signed in there (``verified``: whether
    the provider vouches for the address)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32}
    at.user = {"email": email, "email_verified": verified, "is_logged_in": True}
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("title", "markdown", "info", "error", "warning", "success", "caption", "code")
        for e in getattr(at, kind)
    ]
    # as the reader sees it: Markdown escapes read, and no invisible joiner (planning.markup.NO_LINK_JOINER)
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts)).replace(NO_LINK_JOINER, "")


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_no_users_shows_the_one_time_create_admin_command(db):
    at = app()
    assert at.title[0].value == "Вход в Qorgau"
    assert f"python -m planning create-admin --db {db} --username NAME" in at.code[0].value
    assert not at.text_input  # nobody can sign in yet: no form


def test_only_the_sign_in_page_before_sign_in(users):
    at = app()
    assert at.title[0].value == "Вход в Qorgau" and not at.metric  # no region data before sign-in
    with pytest.raises(ValueError, match=r"Known pages: \['[^']*pages/signin.py'\]"):
        at.switch_page("pages/home.py")


def run_page_alone(page: str, user: str | None) -> AppTest:
    """``page`` run directly (as if reached without app.py's navigation): its own guard must stop it."""
    at = AppTest.from_file(str(PROJECT / page), default_timeout=120)
    at.session_state[FRAMED_KEY] = True
    if user is not None:
        sign_in_session(at, user, ROLES_BY_USER[user])
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", ["pages/home.py", "pages/map.py", "pages/upload.py", "pages/admin.py"])
def test_every_page_guards_itself_before_loading_data(users, page):
    at = run_page_alone(page, None)
    assert "Войдите, чтобы открыть эту страницу." in texts(at)
    assert not at.metric and not at.file_uploader and not at.dataframe and "_region" not in at.session_state


def test_wrong_password_is_refused_and_audited(users):
    at = sign_in(app(), "pat", "not the password at all")
    assert "Неверное имя пользователя или пароль." in texts(at)
    assert "user" not in at.session_state
    assert [e.action for e in access.entries(users, user="pat")] == ["sign-in failed"]


def test_password_sign_in_opens_the_home_page_and_is_audited(users):
    at = sign_in(app(), "pat", PASSWORD)
    assert at.session_state["user"] == access.User("pat", "planner", "pat@akimat.kz")
    assert at.title[0].value.startswith("Qorgau —") and at.metric  # the home page with the region
    assert access.entries(users, user="pat")[0].action == "sign-in"


@pytest.mark.parametrize(
    "user, page, allowed",
    [
        ("pat", "pages/upload.py", True),
        ("vera", "pages/upload.py", False),
        ("boss", "pages/upload.py", False),
        ("boss", "pages/admin.py", True),
        ("pat", "pages/admin.py", False),
        ("vera", "pages/admin.py", False),
        ("vera", "pages/home.py", True),
        ("vera", "pages/map.py", True),
    ],
)
def test_each_role_is_offered_only_its_pages_and_each_page_checks_the_role(users, user, page, allowed):
    at = app(user)
    if allowed:
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert "не даёт доступа" not in texts(at)
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
        alone = run_page_alone(page, user)
        assert f"Роль «{ROLES_BY_USER[user]}» не даёт доступа к этой странице." in texts(alone)
        assert not alone.file_uploader and not alone.dataframe


def test_oidc_identity_is_mapped_to_the_users_role(users):
    at = oidc_app("vera@akimat.kz")
    assert at.session_state["user"] == access.User("vera", "presenter", "vera@akimat.kz")
    assert access.entries(users, user="vera")[0].object == "identity provider"


def test_oidc_identity_without_a_user_gets_no_access(users):
    at = oidc_app("stranger@example.com")
    assert "user" not in at.session_state
    assert "stranger@example.com" in texts(at) and at.title[0].value == "Вход в Qorgau"


def _temporary_password(at: AppTest) -> str:
    match = re.search(r"\): (\S+)$", at.warning[0].value)
    assert match, at.warning[0].value
    return re.sub(r"\\(.)", r"\1", match.group(1))  # as shown: the Markdown escapes (planning.markup) removed


def test_admin_creates_changes_resets_and_deletes_users(users):
    at = app("boss", page="pages/admin.py")
    assert {"boss", "pat", "vera"} <= set(at.dataframe[0].value.iloc[:, 0])
    at.text_input[0].input("nurlan")
    at.selectbox[0].set_value("planner")
    at.button(key="FormSubmitter:create_user-Создать").click().run()
    password = _temporary_password(at)
    assert access.authenticate(users, "nurlan", password) == access.User(
        "nurlan", "planner", None, must_change_password=True
    )

    at.selectbox[1].set_value("nurlan").run()  # the role field then shows nurlan's role
    assert at.selectbox[2].value == "planner"
    at.selectbox[2].set_value("presenter")
    at.button(key="FormSubmitter:set_role-Сменить роль").click().run()
    assert {u.username: u.role for u in access.list_users(users)}["nurlan"] == "presenter"

    at.button(key="FormSubmitter:reset_password-Новый временный пароль").click().run()
    new_password = _temporary_password(at)
    assert access.authenticate(users, "nurlan", password) is None
    assert access.authenticate(users, "nurlan", new_password) is not None

    at.checkbox[0].check()
    at.button(key="FormSubmitter:delete_user-Удалить").click().run()
    assert "nurlan" not in {u.username for u in access.list_users(users)}
    actions = [e.action for e in access.entries(users, user="boss")]
    assert {"create user", "set role", "set password", "delete user"} <= set(actions)
    log = at.dataframe[-1].value
    assert access.action_label("delete user", "ru") in set(log.iloc[:, 2])  # the audit log on the page, in Russian


def test_the_last_admin_cannot_be_deleted(users):
    at = app("boss", page="pages/admin.py")
    at.selectbox[1].set_value("boss").run()
    at.checkbox[0].check()
    at.button(key="FormSubmitter:delete_user-Удалить").click().run()
    assert "это последний администратор" in texts(at)
    assert "boss" in {u.username for u in access.list_users(users)}


# --- accounts and sessions (issue 11, item 8) -----------------------------------------------------------------------
def test_a_user_in_the_session_state_without_a_session_grants_nothing(users):
    at = AppTest.from_file(str(PROJECT / "pages/admin.py"), default_timeout=120)
    at.session_state[FRAMED_KEY] = True
    at.session_state["user"] = access.User("boss", "admin", None)  # no session token: not signed in
    at.run()
    assert not at.exception, at.exception
    assert "Войдите, чтобы открыть эту страницу." in texts(at) and not at.dataframe


def test_the_sign_in_page_locks_a_name_after_repeated_failures(users):
    at = app()
    for _ in range(access.MAX_FAILURES_PER_USER):
        sign_in(at, "pat", "not the password at all")
    sign_in(at, "pat", PASSWORD)
    assert "Слишком много неудачных попыток входа" in texts(at)
    assert "user" not in at.session_state and at.title[0].value == "Вход в Qorgau"


def test_a_temporary_password_shows_nothing_but_the_password_page_until_changed(users):
    access.set_password(users, "pat", "temporary-0123456", temporary=True, by="boss")
    at = sign_in(app(), "pat", "temporary-0123456")
    assert "Вы вошли с временным паролем" in texts(at) and not at.metric
    at.switch_page("pages/home.py").run()  # asking for another page: still nothing but the demand
    assert not at.exception and not at.metric and not at.title
    assert "Вы вошли с временным паролем" in texts(at)
    at.switch_page("pages/password.py").run()
    alone = run_page_alone("pages/home.py", None)
    alone.session_state["_session_token"] = at.session_state["_session_token"]
    alone.run()
    assert "Вы вошли с временным паролем" in texts(alone) and not alone.metric  # the page's own guard
    at.text_input[0].input("temporary-0123456")
    at.text_input[1].input("my own long passphrase")
    at.text_input[2].input("my own long passphrase")
    at.button(key="FormSubmitter:change_password-Сменить пароль").click().run()
    assert not at.exception, at.exception
    assert "Пароль изменён" in texts(at)
    at.switch_page("pages/home.py").run()
    assert at.metric  # now the role's pages
    assert access.authenticate(users, "pat", "my own long passphrase") is not None


def test_a_user_changes_their_own_password_only_with_the_current_one(users):
    at = app("vera", page="pages/password.py")
    at.text_input[0].input("not the current one!")
    at.text_input[1].input("my own long passphrase")
    at.text_input[2].input("my own long passphrase")
    at.button(key="FormSubmitter:change_password-Сменить пароль").click().run()
    assert "Текущий пароль неверен." in texts(at)
    assert access.authenticate(users, "vera", PASSWORD) is not None


@pytest.mark.parametrize("change", ["delete", "demote", "password"])
def test_an_open_session_ends_at_the_next_action_after_an_admin_change(users, change):
    at = app("pat", page="pages/map.py")
    assert "Войдите" not in texts(at)
    if change == "delete":
        access.delete_user(users, "pat", by="boss")
    elif change == "demote":
        access.set_role(users, "pat", "presenter", by="boss")
    else:
        access.set_password(users, "pat", "reset-by-admin-42", temporary=True, by="boss")
    at.run()  # the next action
    assert not at.exception, at.exception
    assert "user" not in at.session_state and "_region" not in at.session_state
    assert not at.metric and not at.dataframe


def test_an_idle_session_ends(users, monkeypatch):
    at = app("pat", page="pages/map.py")
    monkeypatch.setenv("QORGAU_IDLE_MINUTES", "0.5")  # 30 s
    with sqlite3.connect(users.path) as db:  # pat's last action 31 s ago: aged in the store, no waiting by the clock
        db.execute("UPDATE sessions SET last_seen_s = last_seen_s - 31 WHERE username = 'pat'")
    at.run()
    assert not at.exception, at.exception
    assert "Сеанс завершён: не было действий 0.5 мин." in texts(at)
    assert "user" not in at.session_state and "_region" not in at.session_state


def test_an_unverified_oidc_email_gets_no_access(users):
    at = oidc_app("vera@akimat.kz", verified=False)
    assert "user" not in at.session_state
    assert "не подтвердил адрес vera@akimat.kz" in texts(at)


# --- exports (issue 11, item 9) -------------------------------------------------------------------------------------
def test_every_download_in_the_pages_goes_through_the_guarded_builder():
    for path in [PROJECT / "app.py", *sorted((PROJECT / "pages").glob("*.py"))]:
        if path.name != "widgets.py":
            assert "download_button(" not in path.read_text(encoding="utf-8"), path.name


@pytest.fixture
def offered(monkeypatch):
    """What every page hands to st.download_button: (file name, data)."""
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    captured: list[tuple[str, object]] = []
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):
        captured.append((kwargs.get("file_name"), data))
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: record(st._main, *a, **k))
    return captured


def test_an_export_is_built_only_when_asked_for_by_a_live_session_and_audited(users, offered):
    at = app("pat", page="pages/scenarios.py")
    assert not at.exception, at.exception
    ((file_name, data),) = [(f, d) for f, d in offered if f and f.startswith("scenario-")][-1:]
    assert callable(data)  # nothing precomputed into the page
    assert not access.entries(users, user="pat", action="download")
    assert data()  # the click builds it
    (logged,) = access.entries(users, user="pat", action="download")
    assert logged.object.startswith(f"{file_name} (")
    access.set_role(users, "pat", "admin", by="boss")  # a role that may not export, in an open session
    with pytest.raises(access.SessionEnded):
        data()
