"""`make report`: one self-contained HTML file from the small market lakehouse, loaded in headless
Chromium with the network switched off; every figure must be drawn with data, sections of tables not
loaded yet say so, and the path is the last line printed. The report goes to build/test-artifacts/report/."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from app import report
from common.config import load_config
from tests.analyst_fixtures import PLOTLY_CHARTS_JS, artifact_dir, console_errors, full_page_screenshot
from tests.iot_app_fixtures import DAYS, build_iot_lakehouse

# Production trend (de), price scatter and correlations (DE-LU), one heat map per renewable series,
# quality scores and quarantine reasons.
EXPECTED_FIGURES = 1 + 2 + 3 + 2


def test_report_is_self_contained_and_every_figure_draws_offline(
    market_lakehouse, monkeypatch, capsys, chromium
):
    monkeypatch.setenv("LAKEHOUSE_ROOT", market_lakehouse.lakehouse_root)
    out = artifact_dir("report") / "report.html"
    assert report.main(["--out", str(out), "--start", "2026-10-22", "--end", "2026-10-28"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == str(out.resolve())

    document = out.read_text()
    assert not re.search(r"<script[^>]+src=", document)  # Plotly's JavaScript is inline …
    assert document.count("Plotly.newPlot") == EXPECTED_FIGURES  # … once, for every figure
    assert "Local days 2026-10-22 … 2026-10-28" in document
    assert "gold/sensor_quality_hourly</b> is not loaded yet" in document
    assert "gold/solar_site_daily</b> is not loaded yet" in document
    assert "Energy-Charts (Fraunhofer ISE), CC BY 4.0" in document

    chromium.get("about:blank")  # leave any page an earlier test opened (the browser is shared) …
    console_errors(chromium)  # … and drop what it logged
    chromium.execute_cdp_cmd("Network.enable", {})
    chromium.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    try:
        chromium.get(out.resolve().as_uri())
        charts = chromium.execute_script(PLOTLY_CHARTS_JS)
        full_page_screenshot(chromium, out.with_suffix(".png"))
        assert len(charts) == EXPECTED_FIGURES
        for chart in charts:
            assert chart["traces"] > 0 and chart["points"] > 0 and chart["drawn"] > 0, chart
        # The chosen range: the production trend's days are 22 … 28 October.
        days = chromium.execute_script(
            "const el = document.querySelector('.js-plotly-plot');"
            "return [...new Set(el.data.flatMap(t => t.x.map(String)))].sort()"
        )
        assert [d[:10] for d in days] == [f"2026-10-{d}" for d in range(22, 29)]
        assert console_errors(chromium) == []
    finally:
        chromium.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )


def test_report_over_the_iot_lakehouse_draws_sensor_and_plant_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(build_iot_lakehouse(tmp_path)))
    config = load_config("test")
    generated_at = datetime(2026, 10, 26, 8, tzinfo=timezone.utc)

    document = report.build_report(config, report.DayRange(DAYS[1], DAYS[1]), generated_at)
    # DE-LU prices (scatter, correlations), sensor quality, a KPI chart per site, site vs fleet; the
    # sections of the tables it lacks say so.
    assert document.count("Plotly.newPlot") == 2 + 1 + 2 + 1
    assert "site solar-a\"" in document and "site solar-b\"" in document  # (titles are JSON)
    for table in ("gold/daily_production_trend", "gold/underperformance_features", "quality/results"):
        assert f"{table}</b> is not loaded yet" in document

    elsewhere = report.build_report(config, report.DayRange(date(2026, 1, 1), date(2026, 1, 2)), generated_at)
    assert elsewhere.count("Plotly.newPlot") == 0
    assert elsewhere.count("<p>No rows in this range.</p>") == 3  # prices, sensor quality, solar plants
