"""Entry point of the analysts' app (`make app`): one Streamlit multipage app over the gold tables."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Energy Lakehouse", page_icon="⚡", layout="wide")

PAGES = [
    st.Page("pages/production_trend.py", title="Production trend", icon="🏭", default=True),
    st.Page("pages/price_wind.py", title="Price vs wind", icon="💶"),
    st.Page("pages/underperformance.py", title="Underperformance", icon="📉"),
    st.Page("pages/sensors.py", title="Sensors", icon="📡"),
    st.Page("pages/solar_plants.py", title="Solar plants", icon="☀️"),
    st.Page("pages/data_quality.py", title="Data quality", icon="✅"),
    st.Page("pages/catalogue.py", title="Catalogue", icon="📚"),
]

st.navigation(PAGES).run()
