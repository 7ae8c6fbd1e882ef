"""Sign-in: a password against the users table, or the identity provider (``st.login``) when one is configured.

The users live in the shared database (``QORGAU_SCENARIO_DB``, else the user's data folder). With no user at all,
the page says how to create the first admin (``python -m planning create-admin``), once, in a terminal.
"""

import streamlit as st

from pages.common import USER_KEY, access_store, current_user, lang, oidc_configured
from planning import access
from planning.i18n import t
from planning.markup import markdown_text

L = lang()
st.title(t("signin.title", L))
st.write(t("signin.intro", L))

store = access_store()
if not access.list_users(store):
    st.warning(t("signin.no_users", L), icon="🔑")
    st.code(f"python -m planning create-admin --db {store.path} --username NAME", language="bash")
    st.stop()

if current_user() is not None:  # signed in (just now, or through the identity provider): on to the home page
    st.switch_page("pages/home.py")

if oidc_configured():
    if st.user.is_logged_in:
        st.error(t("signin.oidc_unknown", L, email=markdown_text(st.user.get("email") or "?")))
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
    user = access.authenticate(store, username.strip(), password)
    if user is None:
        st.error(t("signin.failed", L))
    else:
        st.session_state[USER_KEY] = user
        st.rerun()  # app.py now lists the role's pages; this page then moves on to the home page
