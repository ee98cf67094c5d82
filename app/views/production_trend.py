"""Production trend: stacked daily energy per production type with the 7-day average."""

from __future__ import annotations

import streamlit as st

from app import figures, ui

st.title("Daily production by type")
st.caption("Net production per production type and local calendar day (gold/daily_production_trend).")

countries = ui.table("gold/daily_production_trend", columns=["country"])
if countries is not None:
    country = st.sidebar.selectbox("Country", sorted(countries["country"].unique()), key="country")
    rows = ui.table("gold/daily_production_trend", filters=[("country", "=", country)])
    start, end = ui.day_range(rows["date"], "Local days", key="days")
    types = sorted(rows["production_type"].unique())
    chosen = st.sidebar.multiselect("Production types", types, default=types, key="types")
    shown = rows.loc[(rows["date"] >= start) & (rows["date"] <= end) & rows["production_type"].isin(chosen)]
    if shown.empty:
        ui.no_rows("gold/daily_production_trend")
    else:
        ui.chart(figures.production_trend(shown, country, ui.config().time_zone(country)))
        with st.expander("Daily values (MWh)"):
            st.dataframe(
                shown.pivot_table(index="date", columns="production_type", values="energy_mwh").round(1),
                width="stretch",
            )
