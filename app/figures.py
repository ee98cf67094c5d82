"""Figures of the gold tables: plain functions, pandas DataFrame in, Plotly figure out, no I/O. The
Streamlit pages and the static report call the same functions. Every axis names its unit, local
days are named as local days (with their time zone), and market charts carry the Energy-Charts
attribution."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.frames import slot_label, with_local_time

# The source's own licence terms (https://api.energy-charts.info): attribution to Energy-Charts and
# Fraunhofer ISE, CC BY 4.0.
ENERGY_CHARTS_SOURCE = "Source: Energy-Charts (Fraunhofer ISE), CC BY 4.0 · energy-charts.info"
IOT_SOURCE = "Source: site sensors (IoT telemetry)"
LAKEHOUSE_SOURCE = "Source: the lakehouse's quality logs"
TEMPLATE = "plotly_white"
FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
# Colours by production type, so a type looks the same on every chart; others get Plotly's defaults.
TYPE_COLOURS = {
    "Solar": "#f5b700",
    "Wind onshore": "#2a9df4",
    "Wind offshore": "#1259a8",
    "Biomass": "#3a8f3a",
    "Hydro Run-of-River": "#56c7c0",
    "Hydro water reservoir": "#1b998b",
    "Hydro pumped storage": "#7fb7be",
    "Hydro pumped storage consumption": "#b5d6da",
    "Fossil brown coal / lignite": "#8b5a2b",
    "Fossil hard coal": "#4a4a4a",
    "Fossil gas": "#e4572e",
    "Fossil oil": "#6d2e46",
    "Nuclear": "#a23b72",
    "Geothermal": "#c06014",
    "Waste": "#7d7d7d",
    "Others": "#bdbdbd",
}


def _finish(fig: go.Figure, title: str, source: str, height: int = 480) -> go.Figure:
    """Shared look: title with the data source as its subtitle, legend above the plot area."""
    fig.update_layout(
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "y": 0.97,
            "yanchor": "top",
            "subtitle": {"text": source, "font": {"size": 11, "color": "#666"}},
        },
        template=TEMPLATE,
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 70, "r": 30, "t": 110, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "xanchor": "left"},
        hovermode="closest",
    )
    return fig


def _local_day_title(tz: str) -> str:
    return f"Local day ({tz})"


def _add_lines(
    fig: go.Figure,
    data: pd.DataFrame,
    x: str,
    lines: Sequence[tuple[str, str, Mapping[str, Any]]],
    mode: str = "lines+markers",
    **trace: Any,
) -> None:
    """One scatter trace per (column, name, line style) of `data` against its column `x`."""
    for column, name, line in lines:
        fig.add_scatter(x=data[x], y=data[column], name=name, mode=mode, line=dict(line), **trace)


def _heatmap(grid: pd.DataFrame, x: Sequence[Any] | None = None, **trace: Any) -> go.Heatmap:
    """A heat map of a pivoted grid: its columns along x (or `x`), its index along y."""
    return go.Heatmap(
        x=list(grid.columns) if x is None else list(x), y=list(grid.index), z=grid.to_numpy(), **trace
    )


def production_trend(df: pd.DataFrame, country: str, tz: str) -> go.Figure:
    """Stacked daily energy per production type (GWh, bars; consumption below zero) with the 7-day
    average of the day's total (line). `df`: rows of gold/daily_production_trend of one country."""
    data = df.sort_values(["date", "production_type"])
    totals = data.groupby("production_type")["energy_mwh"].sum().abs().sort_values(ascending=False)
    fig = go.Figure()
    for ptype in totals.index:
        rows = data.loc[data["production_type"] == ptype]
        fig.add_bar(
            x=rows["date"],
            y=rows["energy_mwh"] / 1000,
            name=ptype,
            marker_color=TYPE_COLOURS.get(ptype),
            hovertemplate="%{x|%a %d %b %Y}<br>" + ptype + ": %{y:,.1f} GWh<extra></extra>",
        )
    weekly = data.groupby("date")["energy_mwh_7d_avg"].sum(min_count=1) / 1000
    fig.add_scatter(
        x=weekly.index,
        y=weekly.to_numpy(),
        name="7-day average, all types",
        mode="lines",
        line={"color": "#111", "width": 2.5, "dash": "dot"},
        hovertemplate="%{x|%a %d %b %Y}<br>7-day average: %{y:,.1f} GWh<extra></extra>",
    )
    fig.update_layout(barmode="relative", bargap=0.15)
    fig.update_xaxes(title_text=_local_day_title(tz))
    fig.update_yaxes(title_text="Net production per day (GWh)")
    fig = _finish(fig, f"Daily net production by type — {country.upper()}", ENERGY_CHARTS_SOURCE, 600)
    # A country has a dozen or more types: a column on the right keeps the legend off the bars.
    return fig.update_layout(
        legend={"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top"}
    )


def price_vs_wind(df: pd.DataFrame, zone: str, tz: str) -> go.Figure:
    """Daily mean day-ahead price against the day's wind energy, one point per local day.
    `df`: rows of gold/daily_price_wind of one bidding zone."""
    data = df.dropna(subset=["price_avg_eur_mwh", "wind_total_mwh"]).sort_values("date")
    fig = go.Figure(
        go.Scatter(
            x=data["wind_total_mwh"] / 1000,
            y=data["price_avg_eur_mwh"],
            mode="markers",
            name="local day",
            customdata=pd.to_datetime(data["date"]).dt.strftime("%a %d %b %Y"),
            marker={
                "size": 10,
                "color": data["negative_price_hours"],
                "colorscale": [[0, "#9ecae1"], [1, "#08306b"]],
                "cmin": 0,
                "cmax": max(1.0, float(data["negative_price_hours"].max() or 0)),
                "line": {"width": 1, "color": "#1259a8"},
                "colorbar": {"title": {"text": "Negative-price<br>hours"}},
            },
            hovertemplate="%{customdata}<br>wind %{x:,.1f} GWh<br>price %{y:,.2f} EUR/MWh<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=f"Wind energy per local day, onshore + offshore (GWh; days in {tz})")
    fig.update_yaxes(title_text="Mean day-ahead price (EUR/MWh)")
    return _finish(fig, f"Day-ahead price against wind energy — {zone}", ENERGY_CHARTS_SOURCE)


def price_wind_correlations(df: pd.DataFrame, zone: str, tz: str) -> go.Figure:
    """Trailing 30-day price/wind correlations (onshore, offshore) and the intraday correlation per
    local day. `df`: rows of gold/daily_price_wind of one bidding zone."""
    data = df.sort_values("date")
    fig = go.Figure()
    _add_lines(
        fig,
        data,
        "date",
        [
            (
                "corr_30d_price_wind_onshore",
                "30-day, price vs onshore wind",
                {"color": TYPE_COLOURS["Wind onshore"]},
            ),
            (
                "corr_30d_price_wind_offshore",
                "30-day, price vs offshore wind",
                {"color": TYPE_COLOURS["Wind offshore"]},
            ),
        ],
        connectgaps=False,
    )
    fig.add_scatter(
        x=data["date"],
        y=data["intraday_corr_price_wind"],
        name="intraday, price vs wind",
        mode="markers",
        marker={"color": "#e4572e", "size": 8, "symbol": "diamond"},
    )
    fig.add_hline(y=0, line={"color": "#999", "width": 1})
    fig.update_xaxes(title_text=_local_day_title(tz))
    fig.update_yaxes(title_text="Pearson correlation (−1 … 1)", range=[-1.05, 1.05])
    return _finish(fig, f"Price/wind correlation over time — {zone}", ENERGY_CHARTS_SOURCE)


def intraday_price_wind(
    prices: pd.DataFrame, power: pd.DataFrame, wind_series: Sequence[str], zone: str, day: str, tz: str
) -> go.Figure:
    """One local day: the day-ahead price (steps, EUR/MWh) and the quarter-hourly wind power (GW, the
    sum of `wind_series`, missing where any series is missing). `prices`: cdc/price rows (ts_utc,
    price_eur_mwh); `power`: cdc/public_power rows (ts_utc, production_type, value_mw)."""
    # Plotly drops time zones, so the repeated hour of the autumn DST day would fall onto the first:
    # the axis holds local clock labels with their zone abbreviation ("02:00 CEST", "02:00 CET") in
    # UTC order.
    price = with_local_time(prices, "ts_utc", tz).sort_values("ts_utc")
    wind = power.loc[power["production_type"].isin(wind_series)]
    wind = wind.pivot_table(
        index="ts_utc", columns="production_type", values="value_mw", aggfunc="first", dropna=False
    ).reindex(columns=list(wind_series))
    total = wind.sum(axis=1, min_count=len(wind_series)).rename("wind_mw").reset_index()
    total = with_local_time(total, "ts_utc", tz).sort_values("ts_utc")
    instants = pd.concat([total[["ts_utc", "local_time"]], price[["ts_utc", "local_time"]]])
    instants = instants.drop_duplicates("ts_utc").sort_values("ts_utc")
    labels = list(instants["local_time"].dt.strftime("%H:%M %Z"))
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_scatter(
        x=total["local_time"].dt.strftime("%H:%M %Z"),
        y=total["wind_mw"] / 1000,
        name="Wind power, onshore + offshore",
        mode="lines",
        fill="tozeroy",
        line={"color": TYPE_COLOURS["Wind onshore"]},
        fillcolor="rgba(42,157,244,0.18)",
        secondary_y=True,
    )
    fig.add_scatter(
        x=price["local_time"].dt.strftime("%H:%M %Z"),
        y=price["price_eur_mwh"],
        name="Day-ahead price",
        mode="lines",
        line={"color": "#e4572e", "shape": "hv", "width": 2.5},
        secondary_y=False,
    )
    fig.update_xaxes(
        title_text=f"Local time on {day} ({tz})",
        type="category",
        categoryorder="array",
        categoryarray=labels,
        tickvals=labels[::8],  # every second hour
        tickangle=0,
    )
    fig.update_yaxes(title_text="Day-ahead price (EUR/MWh)", secondary_y=False)
    fig.update_yaxes(
        title_text="Wind power (GW)", secondary_y=True, rangemode="tozero", showgrid=False, tickmode="auto"
    )
    return _finish(fig, f"Intraday price and wind — {zone}, local day {day}", ENERGY_CHARTS_SOURCE)


def underperformance_heatmap(df: pd.DataFrame, production_type: str, tz: str) -> go.Figure:
    """Capacity factor beside the expected capacity factor, by local day (x) and local half-hour slot
    (y). `df`: gold/underperformance_features rows of one country and series. On the autumn DST day
    the repeated hour's two passes share their slots and are averaged."""
    data = with_local_time(df, "interval_start", tz)
    data = data.assign(
        local_day=data["local_time"].dt.strftime("%Y-%m-%d"), slot=data["slot_local"].map(slot_label)
    )
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("Capacity factor", "Expected capacity factor (28-day slot mean)"),
    )
    slots = [slot_label(s) for s in range(48)]
    # One colour scale for both panels, up to the highest value shown (solar rarely passes 0.3).
    top = data[["capacity_factor", "expected_cf"]].max().max()
    top = 1.0 if pd.isna(top) else max(0.05, float(top))
    for col, column in enumerate(("capacity_factor", "expected_cf"), start=1):
        grid = data.pivot_table(
            index="slot", columns="local_day", values=column, aggfunc="mean", dropna=False
        )
        grid = grid.reindex(index=slots)
        fig.add_trace(
            _heatmap(grid, coloraxis="coloraxis", hovertemplate="%{x} %{y}<br>%{z:.3f}<extra></extra>"),
            row=1,
            col=col,
        )
    fig.update_layout(
        coloraxis={
            "colorscale": "YlGnBu",
            "cmin": 0,
            "cmax": top,
            "colorbar": {"title": {"text": "share of<br>installed"}},
        }
    )
    fig.update_xaxes(title_text=_local_day_title(tz), type="category")
    fig.update_yaxes(title_text="Local half-hour (start)", autorange="reversed", row=1, col=1)
    return _finish(
        fig, f"{production_type}: capacity factor vs expected, by local slot", ENERGY_CHARTS_SOURCE, 620
    )


def underperformance_intervals(df: pd.DataFrame, production_type: str, tz: str) -> go.Figure:
    """Capacity factor and expected capacity factor over time, with the intervals labelled
    underperforming marked. `df`: gold/underperformance_features rows of one country and series."""
    data = with_local_time(df, "interval_start", tz).sort_values("local_time")
    flagged = data.loc[data["is_underperforming"].fillna(False).astype(bool)]
    fig = go.Figure()
    _add_lines(
        fig,
        data,
        "local_time",
        [
            ("capacity_factor", "Capacity factor", {"color": TYPE_COLOURS.get(production_type, "#2a9df4")}),
            ("expected_cf", "Expected capacity factor", {"color": "#555", "dash": "dot"}),
        ],
        mode="lines",
    )
    fig.add_scatter(
        x=flagged["local_time"],
        y=flagged["capacity_factor"],
        mode="markers",
        name=f"Underperforming ({len(flagged)} half-hours)",
        marker={"color": "#d62728", "size": 8, "symbol": "x"},
    )
    fig.update_xaxes(title_text=f"Local time ({tz})")
    fig.update_yaxes(title_text="Capacity factor (share of installed capacity)", rangemode="tozero")
    return _finish(fig, f"{production_type}: labelled half-hours", ENERGY_CHARTS_SOURCE)


def sensor_series(df: pd.DataFrame, units: Mapping[str, str]) -> go.Figure:
    """1-minute mean of each chosen sensor, with the minute's min-max band. `df`:
    gold/sensor_readings_1min rows (sensor_id, minute_utc, mean_value, min_value, max_value);
    `units`: sensor_id -> unit (gold/dim_sensor)."""
    fig = go.Figure()
    for sensor_id, rows in df.sort_values("minute_utc").groupby("sensor_id", sort=True):
        unit = units.get(sensor_id, "")
        fig.add_scatter(
            x=rows["minute_utc"],
            y=rows["mean_value"],
            name=f"{sensor_id} ({unit})",
            mode="lines",
            customdata=rows[["min_value", "max_value"]].to_numpy(),
            hovertemplate="%{x|%d %b %H:%M} UTC<br>mean %{y:.2f} "
            + unit
            + "<br>min %{customdata[0]:.2f} · max %{customdata[1]:.2f}<extra>"
            + sensor_id
            + "</extra>",
        )
    fig.update_xaxes(title_text="Minute (UTC)")
    unit_names = sorted({units.get(s, "") for s in df["sensor_id"].unique()} - {""})
    fig.update_yaxes(title_text="1-minute mean (" + ", ".join(unit_names or ["sensor unit"]) + ")")
    return _finish(fig, "Sensor readings, 1-minute means", IOT_SOURCE)


def sensor_quality_heatmap(df: pd.DataFrame) -> go.Figure:
    """Quality score per sensor (y) and UTC hour (x), 0 (silent) … 1 (complete, clean). `df`:
    gold/sensor_quality_hourly rows."""
    grid = df.pivot_table(index="sensor_id", columns="hour_utc", values="quality_score", aggfunc="mean")
    fig = go.Figure(
        _heatmap(
            grid,
            zmin=0,
            zmax=1,
            colorscale="RdYlGn",
            colorbar={"title": {"text": "quality<br>score"}},
            hovertemplate="%{y}<br>%{x|%d %b %H:00} UTC<br>score %{z:.2f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Hour (UTC)")
    fig.update_yaxes(title_text="Sensor")
    return _finish(fig, "Sensor quality per hour (score 0–1)", IOT_SOURCE, max(360, 120 + 22 * len(grid)))


def solar_daily_kpis(df: pd.DataFrame, site_id: str, tz: str) -> go.Figure:
    """One site's daily KPIs: AC energy (kWh, bars) above performance ratio, temperature-corrected
    PR and availability (shares). `df`: gold/solar_site_daily rows of the site."""
    data = df.sort_values("date")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.45, 0.55])
    fig.add_bar(
        x=data["date"], y=data["ac_energy_kwh"], name="AC energy (kWh)", marker_color="#f5b700", row=1, col=1
    )
    _add_lines(
        fig,
        data,
        "date",
        [
            ("performance_ratio", "Performance ratio", {"color": "#1259a8"}),
            (
                "performance_ratio_temp_corrected",
                "Performance ratio, temperature-corrected",
                {"color": "#2a9df4"},
            ),
            ("availability", "Availability", {"color": "#3a8f3a"}),
        ],
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text="AC energy (kWh)", row=1, col=1)
    fig.update_yaxes(title_text="Share (0–1)", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text=_local_day_title(tz), row=2, col=1)
    return _finish(fig, f"Daily KPIs — site {site_id}", IOT_SOURCE, 600)


def solar_site_vs_fleet(df: pd.DataFrame) -> go.Figure:
    """Specific yield of each site against its country's solar fleet (kWh per kWp per local day).
    `df`: gold/solar_site_daily rows (site_id, date, specific_yield_kwh_kwp, fleet_specific_yield_kwh_kwp)."""
    fig = go.Figure()
    for site_id, rows in df.sort_values("date").groupby("site_id", sort=True):
        _add_lines(fig, rows, "date", [("specific_yield_kwh_kwp", f"{site_id}", {})])
        _add_lines(
            fig,
            rows,
            "date",
            [("fleet_specific_yield_kwh_kwp", f"{site_id}: national fleet", {"dash": "dot"})],
            mode="lines",
        )
    fig.update_xaxes(title_text="Local day (each site's time zone)")
    fig.update_yaxes(title_text="Specific yield (kWh/kWp)", rangemode="tozero")
    return _finish(fig, "Site vs national solar fleet", IOT_SOURCE + " · fleet: " + ENERGY_CHARTS_SOURCE)


def capture_vs_average_price(solar: pd.DataFrame, prices: pd.DataFrame, site_id: str, zone: str) -> go.Figure:
    """What the site's output earned per MWh (capture price) against the day's time-weighted mean
    day-ahead price. `solar`: gold/solar_site_daily rows of the site; `prices`: gold/daily_price_wind
    rows of its bidding zone."""
    data = (
        solar[["date", "capture_price_eur_mwh"]]
        .merge(prices[["date", "price_avg_eur_mwh"]], on="date", how="left")
        .sort_values("date")
    )
    fig = go.Figure()
    fig.add_bar(
        x=data["date"],
        y=data["capture_price_eur_mwh"],
        name=f"Capture price, {site_id}",
        marker_color="#f5b700",
    )
    _add_lines(
        fig, data, "date", [("price_avg_eur_mwh", f"Mean day-ahead price, {zone}", {"color": "#e4572e"})]
    )
    fig.update_xaxes(title_text="Local day (site time zone)")
    fig.update_yaxes(title_text="EUR/MWh")
    return _finish(
        fig,
        f"Capture price vs mean day-ahead price — {site_id}",
        IOT_SOURCE + " · prices: " + ENERGY_CHARTS_SOURCE,
    )


def quality_scores(df: pd.DataFrame) -> go.Figure:
    """Daily quality score per checked table (gold/data_quality_daily rows), 0 … 1 (1 = clean day)."""
    grid = df.pivot_table(index="table", columns="date", values="quality_score", aggfunc="mean")
    grid = grid.sort_index(ascending=False)
    fig = go.Figure(
        _heatmap(
            grid,
            x=[str(c) for c in grid.columns],
            zmin=0.5,
            zmax=1,
            colorscale="RdYlGn",
            text=grid.round(3).to_numpy(),
            texttemplate="%{text}",
            colorbar={"title": {"text": "quality<br>score"}},
            hovertemplate="%{y}<br>%{x} (UTC day)<br>score %{z:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Day the checks ran (UTC)", type="category")
    fig.update_yaxes(title_text="Checked table")
    return _finish(fig, "Daily quality score per table", LAKEHOUSE_SOURCE, max(360, 140 + 30 * len(grid)))


def quarantine_by_reason(counts: pd.DataFrame) -> go.Figure:
    """Rows held in quarantine by reason, one bar per reason, stacked by quarantine table. `counts`:
    app.frames.quarantine_reason_counts."""
    fig = go.Figure()
    for table, rows in counts.groupby("table", sort=True):
        fig.add_bar(y=rows["reason"], x=rows["rows"], name=table, orientation="h")
    fig.update_layout(barmode="stack")
    # Whole rows only: at least one row per tick.
    most = float(counts.groupby("reason")["rows"].sum().max()) if not counts.empty else 1.0
    fig.update_xaxes(
        title_text="Quarantined rows", tickformat=",d", rangemode="tozero", dtick=max(1, math.ceil(most / 8))
    )
    fig.update_yaxes(title_text="Reason (failed expectation)", automargin=True)
    return _finish(fig, "Quarantined rows by reason", LAKEHOUSE_SOURCE, max(320, 160 + 40 * len(counts)))
