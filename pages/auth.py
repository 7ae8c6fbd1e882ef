"""Who is signed in: the users, the session token and its HttpOnly cookie, OIDC sign-in, the audit log, and the
guard every page calls first."""

from __future__ import annotations

import streamlit as st

from geo.settings import env_value
from pages.language import FRAMED_KEY, LANGUAGE_CHOICE_KEY, LANGUAGE_KEY, context_text, lang
from planning.i18n import t
from planning.store import access
from planning.store.access import User

# --- access -------------------------------------------------------------------------------------------------------
# Users, the audit log and uploaded incident counts share one SQLite file: QORGAU_SCENARIO_DB, else the user's data
# folder (planning.store.db.default_db_path). OIDC sign-in is on when .streamlit/secrets.toml has an [auth] section.
USER_KEY = "user"
"""st.session_state key of the signed-in :class:`planning.store.access.User` (as read from the database on this run)."""
SESSION_KEY = "_session_token"
"""st.session_state key of the session token (planning.store.access.start_session); without it nobody is signed in."""
ENDED_KEY = "_session_ended"
"""Why the last session ended (planning.store.access.SESSION_END_REASONS), shown once on the sign-in page."""
TICKET_KEY = "_cookie_ticket"
"""A ticket the browser has yet to exchange at server.py for the HttpOnly session cookie."""
CLIENT_HEADER_ENV = "QORGAU_CLIENT_HEADER"
"""Environment variable naming a header a trusted reverse proxy sets to the client's address (e.g. X-Real-IP)."""
DEAD_COOKIE_KEY = "_dead_cookie"
"""Fingerprint of a session cookie this connection found ended (st.context keeps the cookies of the connection's
start): it is not tried again, so a stale cookie cannot wipe the sign-in form on every run."""
KEEP_ON_SIGN_OUT = (LANGUAGE_KEY, LANGUAGE_CHOICE_KEY, FRAMED_KEY, ENDED_KEY, DEAD_COOKIE_KEY)
"""Session keys that survive a sign-out; everything else (incident-derived results included) is dropped."""


def access_store() -> access.AccessStore:
    """The users and audit log (the shared database, see above)."""
    return access.AccessStore()


def oidc_configured() -> bool:
    """Whether an identity provider is configured for ``st.login`` (an ``[auth]`` section in secrets.toml)."""
    from streamlit.errors import StreamlitSecretNotFoundError

    try:
        return "auth" in st.secrets
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return False


def client_id() -> str:
    """Who is asking, for the per-client sign-in limit: the header named by ``QORGAU_CLIENT_HEADER`` (set by a
    trusted proxy; its last address), else the address of the connection ("local" on this machine)."""
    header = env_value(CLIENT_HEADER_ENV)
    if header:
        value = context_text(st.context.headers.get(header)).split(",")[-1].strip()
        if value:
            return value[:64]
    return (context_text(st.context.ip_address) or "local")[:64]


def _cookie() -> str | None:
    """The session cookie the browser sent with this connection (None if none)."""
    return context_text(st.context.cookies.get(access.SESSION_COOKIE)) or None


def begin_session(user: User, *, via: str) -> None:
    """After a sign-in: open a session (planning.store.access.start_session), and have the browser fetch its cookie."""
    store = access_store()
    token = access.start_session(store, user, via=via)
    st.session_state.pop(ENDED_KEY, None)
    st.session_state[SESSION_KEY] = token
    st.session_state[USER_KEY] = user
    st.session_state[TICKET_KEY] = access.cookie_ticket(store, token)


def current_user() -> User | None:
    """The signed-in user, read afresh from the database on every run; None when nobody is (any more).

    The session is this tab's token, else the browser's session cookie (a reload, F5, keeps the user signed in),
    else a verified OIDC identity an admin registered. A session that ended (idle, expired, the user changed or
    deleted, signed out elsewhere) drops everything this session computed.
    """
    store = access_store()
    token = st.session_state.get(SESSION_KEY)
    resumed = False
    if token is None:
        token = _cookie()
        if token is not None and access.token_fingerprint(token) == st.session_state.get(DEAD_COOKIE_KEY):
            token = None
        resumed = token is not None
    if token is None:
        if USER_KEY in st.session_state:  # a user without a session grants nothing
            _forget()
        return _identity_provider_user(store)
    try:
        user = access.session_user(store, token)
    except access.SessionEnded as ended:
        if ended.reason in ("idle", "expired", "changed") or not resumed:
            st.session_state[ENDED_KEY] = ended.reason
        _forget()
        if _cookie() == token:  # the connection's cookie carries this ended session: not tried again
            st.session_state[DEAD_COOKIE_KEY] = access.token_fingerprint(token)
        if oidc_configured() and st.user.is_logged_in:
            st.logout()
        return None
    if resumed:
        access.record(store, user=user.username, action="sign-in resumed", object="session cookie")
        st.session_state[SESSION_KEY] = token
    st.session_state[USER_KEY] = user
    return user


def _identity_provider_user(store: access.AccessStore) -> User | None:
    if not (oidc_configured() and st.user.is_logged_in):
        return None
    user = access.user_for_identity(access.verified_email(st.user.to_dict()), store)
    if user is not None:
        access.record(store, user=user.username, action="sign-in", object="identity provider")
        begin_session(user, via="identity provider")
    return user


def _forget() -> None:
    for key in [k for k in st.session_state if k not in KEEP_ON_SIGN_OUT]:
        del st.session_state[key]


def session_cookie_tag() -> str | None:
    """HTML for an invisible image that has the browser exchange this session's ticket for its HttpOnly cookie
    (at server.py), while the ticket waits; after a sign-out or an ended session, one that clears the cookie."""
    from html import escape

    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    route = escape((f"/{base}" if base else "") + access.SESSION_ROUTE)
    ticket = st.session_state.get(TICKET_KEY)
    if ticket is not None:
        if access.ticket_pending(access_store(), ticket):
            return f'<img src="{route}?ticket={escape(ticket)}" alt="" width="1" height="1">'
        del st.session_state[TICKET_KEY]
    if SESSION_KEY not in st.session_state and _cookie():
        return f'<img src="{route}?end={access.token_fingerprint(_cookie())}" alt="" width="1" height="1">'
    return None


def sign_out() -> None:
    """End the session's sign-in (and the identity provider's), dropping everything the session computed."""
    user = st.session_state.get(USER_KEY)
    store = access_store()
    access.end_session(store, st.session_state.get(SESSION_KEY))
    if user is not None:
        access.record(store, user=user.username, action="sign-out", object="session")
    _forget()
    st.session_state.pop(ENDED_KEY, None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
    st.rerun()


def ended_message() -> str | None:
    """Why the last session ended, once (then forgotten), in this session's language; None if it did not."""
    reason = st.session_state.pop(ENDED_KEY, None)
    if reason is None or reason == "invalid":
        return None
    minutes = f"{access.idle_limit_s() / 60:g}"
    return t(f"accounts.ended.{reason}", lang(), minutes=minutes)


def audit(action: str, object: str) -> None:
    """Record in the audit log that the signed-in user did ``action`` to ``object`` (e.g. "export",
    "district report D3 2023"). Never pass incident content."""
    user = current_user()
    access.record(access_store(), user=user.username if user else "?", action=action, object=object)


def guard(action: str) -> User:
    """Call first on every page, before any data is loaded: stops the page unless a user is signed in (their
    session checked against the database on this run), has replaced a temporary password, and has a role that may
    perform ``action`` (see planning.store.access.PERMISSIONS)."""
    user = current_user()
    if user is None:
        st.info(ended_message() or t("access.sign_in_first", lang()))
        st.stop()
    if user.must_change_password:
        st.warning(t("accounts.must_change", lang()))
        st.stop()
    if not access.can(user.role, action):
        st.error(t("access.denied", lang(), role=user.role))
        st.stop()
    return user


def incident_level() -> str | None:
    """'settlement', 'district' or None: the finest level of incident figures this user may see."""
    user = current_user()
    return access.incident_level(user.role) if user else None
