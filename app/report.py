"""`make report`: one self-contained HTML file with the app's figures for a range of local days
(Plotly's JavaScript embedded once, no network needed to view it). Prints the file's path as its
last line.

    python -m app.report [--env demo] [--out file.html] [--start YYYY-MM-DD] [--end YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from app import figures, frames
from app.data import Lakehouse, TableNotLoaded
from common.config import Config, load_config
from schemas import QUARANTINE_TABLES

DEFAULT_OUT = Path("build/report/energy-lakehouse-report.html")


@dataclass
class Section:
    title: str
    figures: list[go.Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # HTML fragments (escaped by their builder)


@dataclass(frozen=True)
class DayRange:
    start: date | None
    end: date | None

    def mask(self, days: pd.Series) -> pd.Series:
        keep = pd.Series(True, index=days.index)
        if self.start:
            keep &= days >= self.start
        if self.end:
            keep &= days <= self.end
        return keep

    def __str__(self) -> str:
        return f"{self.start or 'first day'} … {self.end or 'last day'}"


def _not_loaded(error: TableNotLoaded) -> str:
    return (
        f"<p class='missing'>⏳ <b>{html.escape(error.full_name)}</b> is not loaded yet (no Delta table at "
        f"<code>{html.escape(error.path)}</code>).</p>"
    )


def market_sections(house: Lakehouse, config: Config, days: DayRange) -> list[Section]:
    sections = []
    trend = Section("Daily production by type")
    try:
        rows = house.read("gold/daily_production_trend")
        for country in sorted(rows["country"].unique()):
            shown = rows.loc[(rows["country"] == country) & days.mask(rows["date"])]
            if not shown.empty:
                trend.figures.append(figures.production_trend(shown, country, config.time_zone(country)))
    except TableNotLoaded as error:
        trend.notes.append(_not_loaded(error))
    sections.append(trend)

    price = Section("Day-ahead price vs wind")
    try:
        rows = house.read("gold/daily_price_wind")
        for zone in sorted(rows["bidding_zone"].unique()):
            shown = rows.loc[(rows["bidding_zone"] == zone) & days.mask(rows["date"])]
            tz = config.bidding_zone(zone)["time_zone"]
            if not shown.empty:
                price.figures += [
                    figures.price_vs_wind(shown, zone, tz),
                    figures.price_wind_correlations(shown, zone, tz),
                ]
    except TableNotLoaded as error:
        price.notes.append(_not_loaded(error))
    sections.append(price)

    under = Section("Renewable underperformance")
    try:
        rows = house.read("gold/underperformance_features")
        for (country, series), part in rows.groupby(["country", "production_type"], sort=True):
            tz = config.time_zone(country)
            shown = part.loc[days.mask(part["interval_start"].dt.tz_convert(tz).dt.date)]
            if not shown.empty:
                under.figures.append(
                    figures.underperformance_heatmap(shown, f"{series} ({country.upper()})", tz)
                )
    except TableNotLoaded as error:
        under.notes.append(_not_loaded(error))
    sections.append(under)
    return sections


def iot_sections(house: Lakehouse, days: DayRange) -> list[Section]:
    sensors = Section("Sensor quality")
    try:
        rows = house.read("gold/sensor_quality_hourly")
        shown = rows.loc[days.mask(rows["hour_utc"].dt.date)]
        if not shown.empty:
            sensors.figures.append(figures.sensor_quality_heatmap(shown))
    except TableNotLoaded as error:
        sensors.notes.append(_not_loaded(error))

    solar = Section("Solar plants")
    try:
        kpis = house.read("gold/solar_site_daily")
        sites = house.read("gold/dim_site").set_index("site_id")
        shown = kpis.loc[days.mask(kpis["date"])]
        for site_id, part in shown.groupby("site_id", sort=True):
            tz = sites.at[site_id, "time_zone"] if site_id in sites.index else "site time zone"
            solar.figures.append(figures.solar_daily_kpis(part, site_id, tz))
        if not shown.empty:
            solar.figures.append(figures.solar_site_vs_fleet(shown))
    except TableNotLoaded as error:
        solar.notes.append(_not_loaded(error))
    return [sensors, solar]


def quality_section(house: Lakehouse) -> Section:
    section = Section("Data quality")
    try:
        daily = house.read("gold/data_quality_daily")
        # Days the checks ran, not days of data: the whole log, whatever range the report covers.
        if not daily.empty:
            section.figures.append(figures.quality_scores(daily))
    except TableNotLoaded as error:
        section.notes.append(_not_loaded(error))
    quarantines = {}
    for spec in QUARANTINE_TABLES:
        try:
            quarantines[spec.full_name] = house.read(spec.full_name, columns=["reason"])
        except TableNotLoaded:
            continue
    counts = frames.quarantine_reason_counts(quarantines)
    if not counts.empty:
        section.figures.append(figures.quarantine_by_reason(counts))
    try:
        failed = frames.latest_failed_expectations(house.read("quality/results"))
        columns = ["table", "expectation", "severity", "unexpected_count", "element_count", "evaluated_at"]
        section.notes.append(
            "<h3>Failed expectations of each table's latest run</h3>"
            + (
                failed[columns].to_html(index=False, classes="results", border=0)
                if not failed.empty
                else "<p>The latest run of every checked table passed all its expectations.</p>"
            )
        )
    except TableNotLoaded as error:
        section.notes.append(_not_loaded(error))
    return section


STYLE = """
body { font-family: Inter, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 24px; color: #222; }
h1 { margin-bottom: 4px; } .meta { color: #666; margin-top: 0; }
section { margin: 36px 0; } h2 { border-bottom: 2px solid #eee; padding-bottom: 6px; }
.missing { background: #eef5fd; border-left: 4px solid #2a9df4; padding: 10px 14px; }
table.results { border-collapse: collapse; font-size: 13px; } .results td, .results th { padding: 4px 8px;
  border-bottom: 1px solid #eee; text-align: left; }
footer { color: #666; font-size: 12px; margin-top: 40px; }
"""


def render(sections: Sequence[Section], days: DayRange, root: str, generated_at: datetime) -> str:
    """The report as one HTML document; the first figure carries Plotly's JavaScript inline."""
    parts, plotly_js = [], True
    for section in sections:
        body = []
        for fig in section.figures:
            body.append(
                fig.to_html(full_html=False, include_plotlyjs=plotly_js, config={"displaylogo": False})
            )
            plotly_js = False
        body += section.notes
        if not body:
            body.append("<p>No rows in this range.</p>")
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>{''.join(body)}</section>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Energy Lakehouse report</title>
<style>{STYLE}</style></head><body>
<h1>Energy Lakehouse report</h1>
<p class="meta">Local days {html.escape(str(days))} · lakehouse <code>{html.escape(root)}</code> ·
generated {generated_at:%Y-%m-%d %H:%M} UTC</p>
{"".join(parts)}
<footer>Market data: {html.escape(figures.ENERGY_CHARTS_SOURCE)}.
Sensor data: the sites' own telemetry.</footer>
</body></html>
"""


def build_report(config: Config, days: DayRange, generated_at: datetime) -> str:
    house = Lakehouse.from_config(config)
    sections = [
        *market_sections(house, config, days),
        *iot_sections(house, days),
        quality_section(house),
    ]
    return render(sections, days, house.root, generated_at)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make report", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default=None, help="conf/<env> (default $LAKEHOUSE_ENV or local)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"HTML file (default {DEFAULT_OUT})")
    parser.add_argument(
        "--start", type=date.fromisoformat, default=None, help="first local day (default: all)"
    )
    parser.add_argument("--end", type=date.fromisoformat, default=None, help="last local day (default: all)")
    args = parser.parse_args([a for a in (argv if argv is not None else sys.argv[1:]) if a])
    document = build_report(load_config(args.env), DayRange(args.start, args.end), datetime.now(timezone.utc))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(document, encoding="utf-8")
    print(args.out.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
