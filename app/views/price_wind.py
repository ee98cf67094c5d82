"""Price vs wind: daily price against wind energy, the correlations over time, one day intraday."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from app import figures, ui
from common.series import production_types

st.title("Day-ahead price vs wind")
st.caption(
    "Daily price statistics beside the country's wind energy (gold/daily_price_wind); "
    "the intraday view reads cdc/price and cdc/public_power."
)

zones = ui.table("gold/daily_price_wind", columns=["bidding_zone"])
if zones is not None:
    zone = st.sidebar.selectbox("Bidding zone", sorted(zones["bidding_zone"].unique()), key="zone")
    settings = ui.config().bidding_zone(zone)
    tz = settings["time_zone"]
    rows = ui.table("gold/daily_price_wind", filters=[("bidding_zone", "=", zone)])
    start, end = ui.day_range(rows["date"], "Local days", key="days")
    shown = rows.loc[(rows["date"] >= start) & (rows["date"] <= end)]
    if shown.empty:
        ui.no_rows("gold/daily_price_wind")
    else:
        ui.chart(figures.price_vs_wind(shown, zone, tz))
        ui.chart(figures.price_wind_correlations(shown, zone, tz))

        days = sorted(shown["date"].unique(), reverse=True)
        day = st.selectbox(
            "Local day for the intraday view", days, key="day", format_func=lambda d: f"{d:%a %d %b %Y}"
        )
        local = ZoneInfo(tz)
        lo = datetime.combine(day, time(), local).astimezone(timezone.utc)
        hi = datetime.combine(day + timedelta(days=1), time(), local).astimezone(timezone.utc)
        window = [("ts_utc", ">=", pd.Timestamp(lo)), ("ts_utc", "<", pd.Timestamp(hi))]
        wind_series = [
            ui.config().require(f"daily_price_wind.{k}") for k in ("wind_onshore", "wind_offshore")
        ]
        prices = ui.table("cdc/price", filters=[("bidding_zone", "=", zone), *window])
        power = ui.table("cdc/public_power", filters=[("country", "=", settings["country"]), *window])
        if prices is not None and power is not None:
            # cdc keeps series names as sent; the wind names are compared as the gold jobs map them.
            aliases = ui.config().get("public_power.series_aliases")
            power = power.assign(production_type=production_types(power["production_type"], aliases))
            ui.chart(figures.intraday_price_wind(prices, power, wind_series, zone, f"{day:%Y-%m-%d}", tz))
        with st.expander("Daily values"):
            st.dataframe(shown.drop(columns=["run_id", "computed_at"]), width="stretch", hide_index=True)
