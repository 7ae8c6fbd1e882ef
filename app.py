"""Qorgau: the dashboard. Run with ``make run`` (see README)."""

import streamlit as st

from pages.common import FRAMED_KEY
from planning.i18n import LANGUAGE_NAMES, LANGUAGES, t

st.set_page_config(page_title="Qorgau", page_icon="🛡️", layout="wide")

st.session_state[FRAMED_KEY] = True
if "lang" not in st.session_state:
    st.session_state["lang"] = LANGUAGES[0]
# one label in all three languages, so that nobody is lost in a language they do not read
lang = st.sidebar.selectbox(" · ".join(t("app.language", code) for code in LANGUAGES), LANGUAGES,
                            format_func=LANGUAGE_NAMES.get, key="lang")

pages = [
    st.Page("pages/home.py", title=t("nav.home", lang), icon=":material/home:", default=True),
    st.Page("pages/map.py", title=t("nav.map", lang), icon=":material/map:", url_path="map"),
    st.Page("pages/suggest.py", title=t("nav.suggest", lang), icon=":material/add_location_alt:", url_path="suggest"),
]
st.navigation(pages).run()
