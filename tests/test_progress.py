"""Progress of a long fetch: the client reports every window to a FetchProgress, which draws a live
tqdm bar on a terminal and writes plain log lines (windows done/total, rows, elapsed, ETA) otherwise.
No Spark: the client against the simulator."""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest

from common.energy_charts import EnergyChartsClient, EnergyChartsHTTPError
from common.progress import FetchProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    """Ten seconds pass per reading: every window is a log line, elapsed and ETA are exact."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 10.0
        return self.now


@pytest.fixture
def client(energy_charts_sim):
    with EnergyChartsClient(energy_charts_sim.base_url, pace_s=0, max_retries=0) as c:
        yield c


@pytest.fixture
def lines(caplog):
    caplog.set_level(logging.INFO, logger="test-progress")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "test-progress"]


def log_progress(**kwargs) -> FetchProgress:
    logger = logging.getLogger("test-progress")
    return FetchProgress("staging.public_power", stream=io.StringIO(), logger=logger, **kwargs)


def test_log_lines_say_windows_rows_elapsed_and_eta(client, lines):
    progress = log_progress(clock=Clock(), every_s=10.0)

    # Three one-day windows: 100 (the 25-hour day), 96, 96 quarter-hours × 21 German series.
    client.public_power("de", date(2026, 10, 25), date(2026, 10, 27), window_days=1, progress=progress)

    assert lines() == [
        "staging.public_power: fetching 3 window(s)",
        "staging.public_power: 33% 1/3 [00:10<00:20, 10.00s/window, rows=2100]",
        "staging.public_power: 67% 2/3 [00:20<00:10, 10.00s/window, rows=4116]",
        "staging.public_power: 100% 3/3 [00:30<00:00, 10.00s/window, rows=6132]",
    ]
    assert (progress.windows, progress.total, progress.rows) == (3, 3, 6132)


def test_log_lines_are_throttled_but_the_last_always_comes(client, lines):
    progress = log_progress(clock=Clock(), every_s=25.0)

    client.price("DE-LU", date(2026, 1, 1), date(2026, 1, 5), window_days=1, progress=progress)

    assert [line.split(" [")[0] for line in lines()] == [
        "staging.public_power: fetching 5 window(s)",
        "staging.public_power: 60% 3/5",  # 30 s after the start, the first beyond 25 s
        "staging.public_power: 100% 5/5",
    ]
    assert progress.rows == 5 * 96


def test_terminal_gets_a_live_bar_and_no_log_lines(client, lines):
    terminal = Terminal()
    progress = FetchProgress("staging.price", stream=terminal, logger=logging.getLogger("test-progress"))

    client.price("DE-LU", date(2026, 1, 1), date(2026, 1, 2), window_days=1, progress=progress)

    drawn = terminal.getvalue()
    assert "\r" in drawn  # redrawn in place
    assert "staging.price: 100%" in drawn and "2/2" in drawn and "rows=192" in drawn
    assert lines() == []


def test_a_404_window_counts_as_done_without_rows(client, energy_charts_sim, lines):
    energy_charts_sim.inject("/public_power", "404", params={"start": "2026-10-26"})
    progress = log_progress(clock=Clock())

    client.public_power("de", date(2026, 10, 25), date(2026, 10, 26), window_days=1, progress=progress)

    assert (progress.windows, progress.rows) == (2, 2100)


def test_a_failed_window_closes_the_bar(client, energy_charts_sim):
    energy_charts_sim.inject("/price", "500", params={"start": "2026-01-02"})
    terminal = Terminal()
    progress = FetchProgress("staging.price", stream=terminal)

    with pytest.raises(EnergyChartsHTTPError, match="HTTP 500"):
        client.price("DE-LU", date(2026, 1, 1), date(2026, 1, 3), window_days=1, progress=progress)

    assert (progress.windows, progress.total) == (1, 3)
    assert "1/3" in terminal.getvalue() and progress._bar is None
