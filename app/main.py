"""Entry point of the analysts' app (`make app`): one Streamlit multipage app over the gold tables."""

from __future__ import annotations

import streamlit as st

# No page or page_icon icons: Streamlit fetches a Material icon favicon from a Google CDN, and the app
# must work offline.
st.set_page_config(page_title="Energy Lakehouse", layout="wide")

PAGES = [
    st.Page("views/production_trend.py", title="Production trend", default=True),
    st.Page("views/price_wind.py", title="Price vs wind"),
    st.Page("views/underperformance.py", title="Underperformance"),
    st.Page("views/sensors.py", title="Sensors"),
    st.Page("views/solar_plants.py", title="Solar plants"),
    st.Page("views/data_quality.py", title="Data quality"),
    st.Page("views/catalogue.py", title="Catalogue"),
]

st.navigation(PAGES).run()
