"""Underperformance: capacity factor against the expected one by local slot and day, and the
half-hours labelled underperforming."""

from __future__ import annotations

import streamlit as st

from app import figures, ui

TABLE = "gold/underperformance_features"

st.title("Renewable underperformance")
st.caption(
    "30-minute capacity factors against their 28-day expected value per local slot "
    "(gold/underperformance_features). A half-hour is labelled underperforming when it "
    "reaches less than half its expected capacity factor."
)

keys = ui.table(TABLE, columns=["country", "production_type"])
if keys is not None:
    country = st.sidebar.selectbox("Country", sorted(keys["country"].unique()), key="country")
    series = sorted(keys.loc[keys["country"] == country, "production_type"].unique())
    production_type = st.sidebar.selectbox("Series", series, key="series")
    tz = ui.config().time_zone(country)
    rows = ui.table(TABLE, filters=[("country", "=", country), ("production_type", "=", production_type)])
    local_days = rows["interval_start"].dt.tz_convert(tz).dt.date
    start, end = ui.day_range(local_days, "Local days", key="days")
    shown = rows.loc[(local_days >= start) & (local_days <= end)]
    if shown.empty:
        ui.no_rows(TABLE)
    else:
        flagged = shown["is_underperforming"].fillna(False).astype(bool)
        labelled = shown["is_underperforming"].notna()
        a, b, c = st.columns(3)
        a.metric("Half-hours", f"{len(shown):,}")
        b.metric("Labelled (expected value known)", f"{int(labelled.sum()):,}")
        c.metric("Underperforming", f"{int(flagged.sum()):,}")
        ui.chart(figures.underperformance_heatmap(shown, production_type, tz))
        ui.chart(figures.underperformance_intervals(shown, production_type, tz))
        with st.expander("Underperforming half-hours"):
            columns = [
                "interval_start",
                "slot_local",
                "avg_mw",
                "installed_mw",
                "capacity_factor",
                "expected_cf",
                "performance_ratio",
                "price_eur_mwh",
            ]
            st.dataframe(shown.loc[flagged, columns], width="stretch", hide_index=True)
