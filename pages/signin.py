"""Sign-in: a password against the users table, or the identity provider (``st.login``) when one is configured.

The users live in the shared database (``QORGAU_SCENARIO_DB``, else the user's data folder). With no user at all,
the page says how to create the first admin (``python -m planning create-admin``), once, in a terminal.
Failed attempts are limited per user name and per client (planning.store.access.authenticate); a temporary password
leads to the password page before anything else.
"""

import streamlit as st

from pages.auth import access_store, begin_session, client_id, current_user, ended_message, oidc_configured
from pages.language import lang
from planning.i18n import t
from planning.markup import markdown_text
from planning.store import access
from planning.store.db import StorageError

L = lang()
st.title(t("signin.title", L))
st.write(t("signin.intro", L))

store = access_store()
if not access.list_users(store):
    st.warning(t("signin.no_users", L), icon="🔑")
    st.code(f"python -m planning create-admin --db {store.path} --username NAME", language="bash")
    st.stop()

signed_in = current_user()
if signed_in is not None:  # signed in (just now, by a cookie, or through the identity provider): move on
    st.switch_page("pages/password.py" if signed_in.must_change_password else "pages/home.py")
if (message := ended_message()) is not None:
    st.info(message)

if oidc_configured():
    if st.user.is_logged_in:
        email = markdown_text(st.user.get("email") or "?")
        verified = access.verified_email(st.user.to_dict())
        st.error(t("accounts.oidc_unverified" if verified is None else "signin.oidc_unknown", L, email=email))
        if st.button(t("signin.sign_out", L)):
            st.logout()
    elif st.button(t("signin.oidc_button", L), type="primary"):
        st.login()
    st.caption(t("signin.or_password", L))

with st.form("signin"):
    username = st.text_input(t("signin.username", L), max_chars=64, autocomplete="username")
    password = st.text_input(t("signin.password", L), type="password", autocomplete="current-password")
    submitted = st.form_submit_button(t("signin.submit", L))
if submitted:
    try:
        user = access.authenticate(store, username.strip(), password, client=client_id())
    except access.SignInLocked as locked:
        st.error(t("accounts.locked", L, minutes=int(locked.retry_after_s // 60) + 1))
    except StorageError as refused:  # a read-only database: sessions cannot be stored
        st.error(markdown_text(refused.message(L)))
    else:
        if user is None:
            st.error(t("signin.failed", L))
        else:
            begin_session(user, via="password")
            st.rerun()  # app.py now lists the role's pages (or only the password page); this page then moves on
