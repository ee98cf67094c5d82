"""Sensors: 1-minute series of chosen sensors and the hourly quality heat map."""

from __future__ import annotations

import streamlit as st

from app import figures, ui

st.title("Sensors")
st.caption(
    "1-minute means of the site sensors (gold/sensor_readings_1min) and their hourly quality "
    "(gold/sensor_quality_hourly)."
)

readings_keys = ui.table(
    "gold/sensor_readings_1min", columns=["sensor_id", "site_id"], written_by=ui.IOT_JOBS
)
if readings_keys is not None:
    sites = sorted(readings_keys["site_id"].dropna().unique())
    site = st.sidebar.selectbox("Site", sites, key="site")
    site_sensors = sorted(readings_keys.loc[readings_keys["site_id"] == site, "sensor_id"].unique())
    chosen = st.sidebar.multiselect("Sensors", site_sensors, default=site_sensors[:3], key="sensors")
    dim = ui.table("gold/dim_sensor", columns=["sensor_id", "unit"], written_by=ui.IOT_JOBS)
    units = dict(zip(dim["sensor_id"], dim["unit"], strict=True)) if dim is not None else {}
    if chosen:
        readings = ui.table(
            "gold/sensor_readings_1min", filters=[("sensor_id", "in", chosen)], written_by=ui.IOT_JOBS
        )
        start, end = ui.day_range(readings["minute_utc"].dt.date, "Days (UTC)", key="days")
        shown = readings.loc[readings["minute_utc"].dt.date.between(start, end)]
        if shown.empty:
            ui.no_rows("gold/sensor_readings_1min")
        else:
            ui.chart(figures.sensor_series(shown, units))
    else:
        st.info("Choose one or more sensors in the sidebar.")
    quality = ui.table("gold/sensor_quality_hourly", filters=[("site_id", "=", site)], written_by=ui.IOT_JOBS)
    if quality is not None:
        if quality.empty:
            ui.no_rows("gold/sensor_quality_hourly")
        else:
            ui.chart(figures.sensor_quality_heatmap(quality))
