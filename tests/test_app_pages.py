"""The analysts' Streamlit app over the small market lakehouse and a small inline IoT/solar lakehouse
(tests/iot_app_fixtures.py): Streamlit's AppTest drives the pickers and the "not loaded yet" panels; a
real `streamlit run` on a free 127.0.0.1 port is opened page by page in headless Chromium, where every
chart must be drawn with data and the console stay free of errors. Screenshots go to
build/test-artifacts/app/ (market lakehouse) and build/test-artifacts/app-iot/ (sensor and solar pages
with data)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from schemas import DAILY_PRICE_WIND
from schemas.__main__ import lineage, properties_markdown
from tests.analyst_fixtures import PLOTLY_CHARTS_JS, REPO, artifact_dir, console_errors, full_page_screenshot
from tests.iot_app_fixtures import DAYS, build_iot_lakehouse

VIEWS = REPO / "app" / "views"
# Page (file in app/views, also its URL path) -> charts it draws on the market lakehouse, or the table
# whose "not loaded yet" panel it shows there.
PAGES: dict[str, int | str] = {
    "production_trend": 1,
    "price_wind": 3,
    "underperformance": 2,
    "sensors": "gold/sensor_readings_1min",
    "solar_plants": "gold/solar_site_daily",
    "data_quality": 2,
    "catalogue": 0,
}
# The pages over the IoT/solar tables -> the charts they draw on the IoT lakehouse.
IOT_PAGES = {"sensors": 2, "solar_plants": 3}


def app_test(page: str) -> AppTest:
    return AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=120)


def figure(element) -> dict:
    return json.loads(element.proto.spec)


@pytest.fixture
def on_market(market_lakehouse, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_ROOT", market_lakehouse.lakehouse_root)
    return market_lakehouse


@pytest.fixture(scope="module")
def iot_lakehouse(tmp_path_factory) -> Path:
    return build_iot_lakehouse(tmp_path_factory.mktemp("iot-lakehouse"))


@pytest.fixture
def on_iot(iot_lakehouse, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(iot_lakehouse))
    return iot_lakehouse


def test_every_view_is_a_page_of_the_app():
    main = (REPO / "app" / "main.py").read_text()
    assert sorted(p.stem for p in VIEWS.glob("*.py")) == sorted(PAGES)
    for page in PAGES:
        assert f'st.Page("views/{page}.py"' in main


def test_every_page_shows_a_not_loaded_panel_on_an_empty_lakehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "empty"))
    for page in PAGES:
        at = app_test(page).run()
        assert not at.exception, (page, at.exception)
        assert not at.get("plotly_chart"), page
        if page != "catalogue":
            assert "not loaded yet" in at.info[0].value, page
            assert str(tmp_path / "empty") in at.info[0].value, page


def test_production_trend_pickers_narrow_days_and_types(on_market):
    at = app_test("production_trend").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="country").value == "de"
    assert at.sidebar.date_input(key="days").value == (date(2026, 10, 20), date(2026, 10, 29))
    at.sidebar.date_input(key="days").set_value((date(2026, 10, 24), date(2026, 10, 26)))
    at.sidebar.multiselect(key="types").set_value(["Solar", "Wind onshore"]).run()
    fig = figure(at.get("plotly_chart")[0])
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert sorted(t["name"] for t in bars) == ["Solar", "Wind onshore"]
    assert {x[:10] for t in bars for x in t["x"]} == {"2026-10-24", "2026-10-25", "2026-10-26"}
    assert fig["layout"]["xaxis"]["title"]["text"] == "Local day (Europe/Berlin)"


def test_price_wind_intraday_day_picker_draws_the_chosen_local_day(on_market):
    at = app_test("price_wind").run()
    assert not at.exception
    at.selectbox(key="day").set_value(date(2026, 10, 25)).run()
    intraday = figure(at.get("plotly_chart")[2])
    wind = next(t for t in intraday["data"] if t["name"].startswith("Wind"))
    assert len(wind["x"]) == 100  # the 25-hour local day: 100 quarter-hours
    assert wind["x"][:1] == ["00:00 CEST"] and wind["x"][-1] == "23:45 CET"
    assert "local day 2026-10-25" in intraday["layout"]["title"]["text"]


def test_underperformance_series_picker(on_market):
    at = app_test("underperformance").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="series").options == ["Solar", "Wind offshore", "Wind onshore"]
    at.sidebar.selectbox(key="series").set_value("Wind onshore").run()
    heat = figure(at.get("plotly_chart")[0])
    assert heat["layout"]["title"]["text"].startswith("Wind onshore")
    assert at.metric[0].value == "482"  # 10 local days × 48 half-hours + 2 of the 25-hour day


def test_iot_pages_show_their_panel_while_the_market_pages_have_data(on_market):
    for page in ("sensors", "solar_plants"):
        at = app_test(page).run()
        assert not at.exception
        assert f"{PAGES[page]} is not loaded yet" in at.info[0].value


def test_sensors_page_draws_the_chosen_sensors_and_their_hourly_quality(on_iot):
    at = app_test("sensors").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="site").options == ["solar-a", "solar-b"]
    assert at.sidebar.multiselect(key="sensors").value == ["solar-a-ac", "solar-a-poa"]
    series, heat = (figure(chart) for chart in at.get("plotly_chart"))
    assert [t["name"] for t in series["data"]] == ["solar-a-ac (kW)", "solar-a-poa (W/m2)"]
    assert [len(t["x"]) for t in series["data"]] == [24, 24]  # 12 minutes on each of the 2 days
    assert series["layout"]["xaxis"]["title"]["text"] == "Minute (UTC)"
    assert list(heat["data"][0]["y"]) == ["solar-a-ac", "solar-a-poa"]
    assert len(heat["data"][0]["x"]) == 48  # every UTC hour of the 2 days

    at.sidebar.date_input(key="days").set_value((DAYS[1], DAYS[1]))
    at.sidebar.multiselect(key="sensors").set_value(["solar-a-poa"]).run()
    series = figure(at.get("plotly_chart")[0])
    assert [(t["name"], len(t["x"])) for t in series["data"]] == [("solar-a-poa (W/m2)", 12)]
    assert {x[:10] for x in series["data"][0]["x"]} == {"2026-10-25"}

    at.sidebar.multiselect(key="sensors").set_value([]).run()
    assert "Choose one or more sensors" in at.info[0].value
    assert len(at.get("plotly_chart")) == 1  # the quality heat map stays


def test_solar_plants_page_draws_kpis_fleet_and_capture_price(on_iot):
    at = app_test("solar_plants").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="site").options == ["solar-a", "solar-b"]
    kpis, fleet, capture = (figure(chart) for chart in at.get("plotly_chart"))
    assert "solar-a" in kpis["layout"]["title"]["text"]
    assert kpis["layout"]["xaxis2"]["title"]["text"] == "Local day (Europe/Berlin)"
    assert {t["name"] for t in fleet["data"]} >= {"solar-a", "solar-a: national fleet", "solar-b"}
    assert capture["layout"]["title"]["text"] == "Capture price vs mean day-ahead price — solar-a"
    assert [len(t["x"]) for t in capture["data"]] == [2, 2]  # both days, with the DE-LU mean price

    at.sidebar.selectbox(key="site").set_value("solar-b").run()
    assert "solar-b" in figure(at.get("plotly_chart")[0])["layout"]["title"]["text"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve_app(root: str) -> Iterator[str]:
    """`streamlit run app/main.py` as `make app` starts it, over the lakehouse at `root`, on a free
    loopback port; yields its base URL, stopped after."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "LAKEHOUSE_ROOT": root}
    command = [
        "streamlit",
        "run",
        "app/main.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--client.toolbarMode",
        "viewer",
        "--browser.gatherUsageStats",
        "false",
    ]
    venv_bin = Path(sys.executable).parent
    process = subprocess.Popen(
        [str(venv_bin / command[0]), *command[1:]],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def streamlit_app(on_market):
    with serve_app(on_market.lakehouse_root) as base:
        yield base


PAGE_STATE_JS = """
const alerts = Array.from(document.querySelectorAll('[data-testid="stAlert"]')).map(a => a.innerText);
const running = !!document.querySelector('[data-testid="stStatusWidget"]');
return {alerts, running, title: (document.querySelector('h1') || {}).innerText || '',
        tables: document.querySelectorAll('[data-testid="stDataFrame"]').length};
"""


def wait_for_page(driver, page: str, expected: int | str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        state = driver.execute_script(PAGE_STATE_JS)
        charts = driver.execute_script(PLOTLY_CHARTS_JS)
        ready = (
            any(f"{expected} is not loaded yet" in a for a in state["alerts"])
            if isinstance(expected, str)
            else len(charts) >= expected
            and all(c["drawn"] for c in charts)
            and (expected or state["tables"] >= 2)
        )
        if ready and not state["running"]:
            time.sleep(0.5)  # let the last chart finish its transition before the screenshot
            return {**state, "charts": driver.execute_script(PLOTLY_CHARTS_JS)}
        if time.monotonic() > deadline:
            raise AssertionError(f"page {page} not ready after {timeout_s} s: {state}, charts {charts}")
        time.sleep(0.5)


def open_page(driver, page: str, expected: int | str, shots: Path) -> None:
    """Open a page as a user does, through the sidebar (a deep link makes Streamlit probe paths first),
    wait until it is drawn, screenshot it and check its charts have data and nothing reports an error."""
    from selenium.webdriver.common.by import By

    if page != "production_trend":  # the default page, at "/"
        links = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a')
        next(link for link in links if link.get_attribute("href").rstrip("/").endswith(f"/{page}")).click()
    state = wait_for_page(driver, page, expected)
    full_page_screenshot(driver, shots / f"{page}.png")
    if isinstance(expected, int):
        assert len(state["charts"]) == expected, (page, state["charts"])
        for chart in state["charts"]:
            assert chart["traces"] > 0 and chart["points"] > 0 and chart["drawn"] > 0, (page, chart)
    assert not [a for a in state["alerts"] if "rror" in a], (page, state["alerts"])
    assert console_errors(driver) == [], page


def test_every_page_draws_its_charts_in_chromium(streamlit_app, chromium):
    shots = artifact_dir("app")
    chromium.get(streamlit_app + "/")
    console_errors(chromium)  # start from a clean log
    for page, expected in PAGES.items():
        open_page(chromium, page, expected, shots)
    assert sorted(p.stem for p in shots.glob("*.png")) == sorted(PAGES)
    chromium.get("about:blank")  # before the server stops, so the page does not keep polling it


def test_sensor_and_solar_pages_draw_their_charts_in_chromium(iot_lakehouse, chromium):
    shots = artifact_dir("app-iot")
    with serve_app(str(iot_lakehouse)) as base:
        chromium.get(base + "/")
        console_errors(chromium)
        # No market tables here: the default page shows its panel; then the IoT pages with data.
        for page, expected in {"production_trend": "gold/daily_production_trend", **IOT_PAGES}.items():
            open_page(chromium, page, expected, shots)
        chromium.get("about:blank")


def test_catalogue_page_shows_the_tables_lineage_and_properties(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "empty"))
    at = app_test("catalogue").run()
    at.selectbox(key="table").set_value("gold/daily_price_wind").run()
    assert not at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert lineage(DAILY_PRICE_WIND) in text
    assert properties_markdown(DAILY_PRICE_WIND) in text
