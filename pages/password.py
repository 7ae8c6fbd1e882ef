"""Change one's own password (the current one is needed). A temporary password set by an admin leads here first,
and nothing else is shown until it is replaced. The user's other sessions end; this one stays open."""

import streamlit as st

from pages.auth import SESSION_KEY, access_store, client_id, current_user, ended_message
from pages.language import lang
from planning.i18n import t
from planning.store import access

DONE_KEY = "_password_changed"

L = lang()
user = current_user()
if user is None:
    st.info(ended_message() or t("access.sign_in_first", L))
    st.stop()
st.title(t("nav.password", L))
if st.session_state.pop(DONE_KEY, False):
    st.success(t("accounts.changed", L))
if user.must_change_password:
    st.warning(t("accounts.must_change", L))

n = access.MIN_PASSWORD_LENGTH
with st.form("change_password", clear_on_submit=True):
    current = st.text_input(t("accounts.current", L), type="password", autocomplete="current-password")
    new = st.text_input(t("accounts.new", L, count=n), type="password", autocomplete="new-password")
    repeat = st.text_input(t("accounts.repeat", L), type="password", autocomplete="new-password")
    submitted = st.form_submit_button(t("accounts.submit", L), type="primary")
if submitted:
    store = access_store()
    if new != repeat:
        st.error(t("accounts.mismatch", L))
    elif len(new) < n:
        st.error(t("accounts.too_short", L, count=n))
    elif new == current:
        st.error(t("accounts.same", L))
    else:
        try:
            access.change_password(
                store,
                user.username,
                current=current,
                new=new,
                token=st.session_state.get(SESSION_KEY),
                client=client_id(),
            )
        except access.SignInLocked as locked:
            st.error(t("accounts.locked", L, minutes=int(locked.retry_after_s // 60) + 1))
        except access.UserError:
            st.error(t("accounts.wrong_current", L))
        else:
            st.session_state[DONE_KEY] = True
            st.rerun()  # app.py now offers the role's pages
