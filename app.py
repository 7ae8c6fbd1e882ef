"""Qorgau: the dashboard's pages. Run with ``make run`` (see README): ``server.py`` serves this script with the
session-cookie route and the guarded file downloads."""

import streamlit as st

from pages.auth import current_user, session_cookie_tag, sign_out
from pages.language import (
    FRAMED_KEY,
    LANGUAGE_CHOICE_KEY,
    LANGUAGE_KEY,
    keep_language,
    language_cookie_tag,
    start_language,
    streamlit_texts_tag,
)
from planning.i18n import LANGUAGE_NAMES, LANGUAGES, t
from planning.markup import markdown_text
from planning.store.access import can
from planning.store.db import StorageError

st.set_page_config(page_title="Qorgau", page_icon="🛡️", layout="wide")

st.session_state[FRAMED_KEY] = True


def _language_chosen() -> None:
    chosen = st.session_state.get(LANGUAGE_CHOICE_KEY)  # gone when a sign-out cleared the session meanwhile
    if chosen in LANGUAGES:
        st.session_state[LANGUAGE_KEY] = chosen


# a new session (a new tab, F5) in the language of its URL (?lang=) or cookie; later runs keep the session's
st.session_state[LANGUAGE_CHOICE_KEY] = start_language()
# one label in all three languages, so that nobody is lost in a language they do not read
lang = st.sidebar.selectbox(
    " · ".join(t("app.language", code) for code in LANGUAGES),
    LANGUAGES,
    format_func=LANGUAGE_NAMES.get,
    key=LANGUAGE_CHOICE_KEY,
    on_change=_language_chosen,
)
keep_language(lang)  # the URL and a cookie keep it for the next session
st.sidebar.html(language_cookie_tag(lang), unsafe_allow_javascript=True)

# every page with the action (planning.store.access.ACTIONS) a role needs to be offered it; each page checks again
# itself
PAGES = [
    (st.Page("pages/home.py", title=t("nav.home", lang), icon=":material/home:", default=True), "view_map"),
    (st.Page("pages/map.py", title=t("nav.map", lang), icon=":material/map:", url_path="map"), "view_map"),
    (
        st.Page(
            "pages/scenarios.py",
            title=t("nav.scenarios", lang),
            icon=":material/edit_location_alt:",
            url_path="scenarios",
        ),
        "view_scenarios",
    ),
    (
        st.Page("pages/compare.py", title=t("nav.compare", lang), icon=":material/compare:", url_path="compare"),
        "view_scenarios",
    ),
    (
        st.Page(
            "pages/suggest.py", title=t("nav.suggest", lang), icon=":material/add_location_alt:", url_path="suggest"
        ),
        "view_scenarios",
    ),
    (
        st.Page("pages/teams.py", title=t("nav.teams", lang), icon=":material/airport_shuttle:", url_path="teams"),
        "view_scenarios",
    ),
    (
        st.Page("pages/present.py", title=t("nav.present", lang), icon=":material/co_present:", url_path="present"),
        "view_scenarios",
    ),
    (
        st.Page("pages/reports.py", title=t("nav.reports", lang), icon=":material/picture_as_pdf:", url_path="reports"),
        "export",
    ),
    (st.Page("pages/need.py", title=t("nav.need", lang), icon=":material/diversity_3:", url_path="need"), "view_map"),
    (st.Page("pages/roads.py", title=t("nav.roads", lang), icon=":material/route:", url_path="roads"), "view_map"),
    (
        st.Page("pages/upload.py", title=t("nav.upload", lang), icon=":material/upload_file:", url_path="upload"),
        "upload_incidents",
    ),
    (st.Page("pages/admin.py", title=t("nav.admin", lang), icon=":material/group:", url_path="users"), "manage_users"),
]
# the sign-in gate: nothing but the sign-in page until a user signs in; nothing but the password page until a
# temporary password is replaced; then the pages the role may open. current_user() re-reads the user on every run.
try:
    user = current_user()
except StorageError as exc:  # sessions live in the database: read-only or full, say so and stop here
    st.error(markdown_text(exc.message(lang)))
    st.stop()
signin = st.Page(
    "pages/signin.py",
    title=t("nav.signin", lang),
    icon=":material/login:",
    url_path="signin",
    default=user is None,
    visibility="visible" if user is None else "hidden",
)
password = st.Page(
    "pages/password.py",
    title=t("nav.password", lang),
    icon=":material/password:",
    url_path="password",
    default=user is not None and user.must_change_password,
)
if user is None:
    pages = [signin]
elif user.must_change_password:
    pages = [password, signin]
else:
    pages = [page for page, action in PAGES if can(user.role, action)] + [password, signin]
if user is not None:
    st.sidebar.caption(
        t("signin.signed_in_as", lang, user=markdown_text(user.username), role=t(f"role.{user.role}", lang))
    )
    if st.sidebar.button(t("signin.sign_out", lang), icon=":material/logout:"):
        sign_out()
    if not user.must_change_password:  # the region of this session, when the user may see several (and ?region=)
        from pages.session import region_chooser

        region_chooser(lang)
if (texts := streamlit_texts_tag(lang)) is not None:  # Streamlit's own English, in the reader's language
    st.sidebar.html(texts, unsafe_allow_javascript=True)
if (tag := session_cookie_tag()) is not None:
    st.sidebar.html(tag)
try:
    st.navigation(pages).run()
except StorageError as exc:  # a read-only or full database: said in the reader's language; nothing stored was lost
    st.error(markdown_text(exc.message(lang)))
