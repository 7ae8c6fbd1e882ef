"""Qorgau: the dashboard. Run with ``make run`` (see README)."""

import streamlit as st

from planning.i18n import LANGUAGE_NAMES, LANGUAGES, t

st.set_page_config(page_title="Qorgau", page_icon="🛡️", layout="wide")

if "lang" not in st.session_state:
    st.session_state["lang"] = LANGUAGES[0]
lang = st.sidebar.selectbox(t("app.language", st.session_state["lang"]), LANGUAGES,
                            format_func=LANGUAGE_NAMES.get, key="lang")

pages = [
    st.Page("pages/home.py", title=t("nav.home", lang), icon="🏠", default=True, url_path="home"),
    st.Page("pages/map.py", title=t("nav.map", lang), icon="🗺️", url_path="map"),
]
st.navigation(pages).run()
