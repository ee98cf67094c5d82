"""Solar plants: daily KPIs of a site, the site against its national fleet, capture price vs the
day's mean price."""

from __future__ import annotations

import streamlit as st

from app import figures, ui

TABLE = "gold/solar_site_daily"

st.title("Solar plants")
st.caption("Daily plant KPIs in the IEC 61724-1 style (gold/solar_site_daily, gold/dim_site).")

kpis = ui.table(TABLE, written_by=ui.IOT_JOBS)
sites = ui.table("gold/dim_site", written_by=ui.IOT_JOBS) if kpis is not None else None
if kpis is not None and sites is not None:
    site_ids = sorted(kpis["site_id"].unique())
    site_id = st.sidebar.selectbox("Site", site_ids, key="site")
    site = sites.loc[sites["site_id"] == site_id].iloc[0] if (sites["site_id"] == site_id).any() else None
    tz = site["time_zone"] if site is not None else "site time zone"
    start, end = ui.day_range(kpis["date"], "Local days", key="days")
    in_range = kpis.loc[(kpis["date"] >= start) & (kpis["date"] <= end)]
    shown = in_range.loc[in_range["site_id"] == site_id]
    if shown.empty:
        ui.no_rows(TABLE)
    else:
        ui.chart(figures.solar_daily_kpis(shown, site_id, tz))
        ui.chart(figures.solar_site_vs_fleet(in_range))
        zone = site.get("bidding_zone") if site is not None else None
        if zone:
            prices = ui.table("gold/daily_price_wind", filters=[("bidding_zone", "=", zone)])
            if prices is not None:
                ui.chart(figures.capture_vs_average_price(shown, prices, site_id, zone))
        else:
            st.info(f"Site {site_id} has no bidding zone in the registry: no market value.")
