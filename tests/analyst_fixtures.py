"""A small market lakehouse for the analysts' app, report and SQL tests: the registry's market pipeline run
in-process against the simulator over ten local days (the 25-hour DST day 2026-10-25 among them),
with one out-of-range value injected so quality and quarantine tables have something to show.
tests/conftest.py loads this module as a plugin; the lakehouse is built once per test session
and shared by the xdist workers (the first builds it under a lock, the others wait and read it), read only.
Also a headless Chromium (selenium) for the app and report tests."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.config import Config, load_config
from jobs.registry import pipeline
from simulator.energy_charts import EnergyChartsSimulator
from tests.sim_fixtures import SIM_NOW

REPO = Path(__file__).resolve().parent.parent
COUNTRY, ZONE = "de", "DE-LU"
START, END = "2026-10-20", "2026-10-29"


def build_market_lakehouse(root: Path, base_url: str, start: str = START, end: str = END) -> Config:
    """Run the registry's market pipeline in `make run` order into `root`, against the simulator at
    `base_url`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKEHOUSE_ROOT", str(root))
        patch.setenv("ENERGY_CHARTS_BASE_URL", base_url)
        for job in pipeline("energy_charts"):
            job.main(job.argv(country=COUNTRY, bidding_zone=ZONE, start=start, end=end))
        return load_config("test")


@pytest.fixture(scope="session")
def market_lakehouse(spark, tmp_path_factory) -> Config:
    """Config of the test environment pointing at the small market lakehouse (read only)."""
    if os.environ.get("TEST_ANALYST_LAKEHOUSE"):  # a lakehouse built by an earlier run (development)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LAKEHOUSE_ROOT", os.environ["TEST_ANALYST_LAKEHOUSE"])
            return load_config("test")
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every xdist worker
    root, done = shared / "analyst-lakehouse", shared / "analyst-lakehouse.done"
    with (shared / "analyst-lakehouse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            with EnergyChartsSimulator(now=SIM_NOW) as simulator:
                simulator.inject("/public_power", "out_of_range")
                build_market_lakehouse(root, simulator.base_url)
            done.touch()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKEHOUSE_ROOT", str(root))
        return load_config("test")


@pytest.fixture(scope="session")
def chromium(tmp_path_factory) -> Iterator:
    """A headless Chromium driven by selenium (Debian's chromium and chromium-driver, installed by the
    project's script when missing), browser console kept for the tests to read."""
    subprocess.run(
        [str(REPO / "scripts/require-debian-packages"), "chromium=chromium", "chromedriver=chromium-driver"],
        check=True,
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    yield driver
    driver.quit()


def artifact_dir(name: str) -> Path:
    """build/test-artifacts/<name>: screenshots and reports the tests leave for people to look at."""
    path = Path(os.environ.get("TEST_ARTIFACTS", REPO / "build" / "test-artifacts")) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


# Per Plotly chart on the page: traces, data points (x or z values), and whether its SVG drew traces.
PLOTLY_CHARTS_JS = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
  title: (el.layout && el.layout.title && el.layout.title.text) || '',
  traces: (el._fullData || []).length,
  points: (el._fullData || []).reduce((n, t) => n + ((t.z && t.z.length) || (t.x && t.x.length) || 0), 0),
  drawn: el.querySelectorAll('g.trace, g.hm, g.barlayer .point').length,
}));
"""


def console_errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def full_page_screenshot(driver, path: Path) -> Path:
    # Streamlit scrolls its main block, not the document: take the taller of the two.
    height = driver.execute_script(
        "const main = document.querySelector('[data-testid=\"stMain\"]');"
        "return Math.max(document.body.scrollHeight, main ? main.scrollHeight : 0, 1000)"
    )
    driver.set_window_size(1400, min(height, 6000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)
    return path
