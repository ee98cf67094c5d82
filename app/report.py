"""`make report`: one self-contained HTML file with the app's figures for a range of local days
(Plotly's JavaScript embedded once, no network needed to view it). Prints the file's path as its
last line.

    python -m app.report [--env demo] [--out file.html] [--start YYYY-MM-DD] [--end YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

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


# What a section holds: figures, and HTML fragments (escaped by their builder).
Item = go.Figure | str
# A part of a section: reads its tables and yields its items; a table not loaded yet ends that part alone.
Part = Callable[[], Iterable[Item]]


def section(title: str, *parts: Part) -> Section:
    """A section of the items its parts yield, in order; a part whose table is not loaded yet says so."""
    result = Section(title)
    for part in parts:
        try:
            for item in part():
                (result.notes if isinstance(item, str) else result.figures).append(item)
        except TableNotLoaded as error:
            result.notes.append(_not_loaded(error))
    return result


def per_group(
    rows: pd.DataFrame, by: str | list[str], keep: Callable[[pd.DataFrame], pd.Series]
) -> Iterator[tuple[Any, pd.DataFrame]]:
    """Each group of `rows` (in key order) narrowed to the rows `keep` selects; empty groups left out."""
    for key, part in rows.groupby(by, sort=True):
        shown = part.loc[keep(part)]
        if not shown.empty:
            yield key, shown


def market_sections(house: Lakehouse, config: Config, days: DayRange) -> list[Section]:
    def trend() -> Iterator[Item]:
        rows = house.read("gold/daily_production_trend")
        for country, shown in per_group(rows, "country", lambda p: days.mask(p["date"])):
            yield figures.production_trend(shown, country, config.time_zone(country))

    def price() -> Iterator[Item]:
        rows = house.read("gold/daily_price_wind")
        for zone, shown in per_group(rows, "bidding_zone", lambda p: days.mask(p["date"])):
            tz = config.bidding_zone(zone)["time_zone"]
            yield figures.price_vs_wind(shown, zone, tz)
            yield figures.price_wind_correlations(shown, zone, tz)

    def underperformance() -> Iterator[Item]:
        rows = house.read("gold/underperformance_features")

        def in_range(part: pd.DataFrame) -> pd.Series:
            tz = config.time_zone(part["country"].iloc[0])
            return days.mask(part["interval_start"].dt.tz_convert(tz).dt.date)

        for (country, series), shown in per_group(rows, ["country", "production_type"], in_range):
            tz = config.time_zone(country)
            yield figures.underperformance_heatmap(shown, f"{series} ({country.upper()})", tz)

    return [
        section("Daily production by type", trend),
        section("Day-ahead price vs wind", price),
        section("Renewable underperformance", underperformance),
    ]


def iot_sections(house: Lakehouse, days: DayRange) -> list[Section]:
    def sensors() -> Iterator[Item]:
        rows = house.read("gold/sensor_quality_hourly")
        shown = rows.loc[days.mask(rows["hour_utc"].dt.date)]
        if not shown.empty:
            yield figures.sensor_quality_heatmap(shown)

    def solar() -> Iterator[Item]:
        kpis = house.read("gold/solar_site_daily")
        sites = house.read("gold/dim_site").set_index("site_id")
        for site_id, shown in per_group(kpis, "site_id", lambda p: days.mask(p["date"])):
            tz = sites.at[site_id, "time_zone"] if site_id in sites.index else "site time zone"
            yield figures.solar_daily_kpis(shown, site_id, tz)
        shown = kpis.loc[days.mask(kpis["date"])]
        if not shown.empty:
            yield figures.solar_site_vs_fleet(shown)

    return [section("Sensor quality", sensors), section("Solar plants", solar)]


def quality_section(house: Lakehouse) -> Section:
    def scores() -> Iterator[Item]:
        daily = house.read("gold/data_quality_daily")
        # Days the checks ran, not days of data: the whole log, whatever range the report covers.
        if not daily.empty:
            yield figures.quality_scores(daily)

    def quarantines() -> Iterator[Item]:
        loaded = {}
        for spec in QUARANTINE_TABLES:
            try:
                loaded[spec.full_name] = house.read(spec.full_name, columns=["reason"])
            except TableNotLoaded:
                continue  # a table that never quarantined a row: nothing to count
        counts = frames.quarantine_reason_counts(loaded)
        if not counts.empty:
            yield figures.quarantine_by_reason(counts)

    def failed_expectations() -> Iterator[Item]:
        failed = frames.latest_failed_expectations(house.read("quality/results"))
        columns = ["table", "expectation", "severity", "unexpected_count", "element_count", "evaluated_at"]
        yield "<h3>Failed expectations of each table's latest run</h3>" + (
            failed[columns].to_html(index=False, classes="results", border=0)
            if not failed.empty
            else "<p>The latest run of every checked table passed all its expectations.</p>"
        )

    return section("Data quality", scores, quarantines, failed_expectations)


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
