"""API faults against a real staging job: each fault the simulator can send (429 with Retry-After,
500, timeout, truncated JSON, unequal arrays, 404) either recovers by retry — and then every window is
staged completely — or fails the job with an error naming the request, and then nothing of the run is
staged or landed (the job writes landing and staging only after every window was fetched and checked).

One staging run per case, two one-day windows each (the fault hits the second), one module-scoped
simulator; the timeout is 1 s and two retries (a conf/ copy), so the slow cases stay short."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pyspark.sql import functions as F

from common import tables
from common.config import deep_merge, load_config
from common.energy_charts import EnergyChartsHTTPError, MalformedResponseError
from jobs.staging import public_power as staging_job
from schemas import JOB_RUNS, LANDING_ENERGY_CHARTS, STAGING_PUBLIC_POWER
from simulator.energy_charts import EnergyChartsSimulator
from simulator.energy_charts import public_power as simulated_public_power
from tests.sim_fixtures import SIM_NOW

REPO = Path(__file__).resolve().parent.parent
DAYS = ("2026-10-25", "2026-10-26")  # the 25-hour day and the next: 100 and 96 quarter-hours
ARGS = ["--start", DAYS[0], "--end", DAYS[1], "--country", "de"]
SECOND_WINDOW = {"start": DAYS[1]}


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[EnergyChartsSimulator]:
    """The simulator, and a conf/ whose test environment fetches one-day windows with a 1 s timeout."""
    conf = tmp_path_factory.mktemp("faults") / "conf"
    shutil.copytree(REPO / "conf", conf)
    test_conf = conf / "test" / "config.yaml"
    settings = deep_merge(
        yaml.safe_load(test_conf.read_text(encoding="utf-8")),
        {"energy_charts": {"timeout_s": 1, "max_retries": 2, "window_days": {"public_power": 1}}},
    )
    test_conf.write_text(yaml.safe_dump(settings), encoding="utf-8")
    with EnergyChartsSimulator(now=SIM_NOW) as simulator, pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAKEHOUSE_CONF_DIR", str(conf))
        patch.setenv("ENERGY_CHARTS_BASE_URL", simulator.base_url)
        yield simulator


@pytest.fixture
def lakehouse_with_api(api, spark, tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "lakehouse"))
    api.requests.clear()
    yield load_config("test")
    assert not api._faults.get("/public_power"), "a queued fault was never served"


def expected_rows(day: str) -> int:
    """Rows of one day's window as the simulator answers it: series × quarter-hours."""
    payload = simulated_public_power({"country": "de", "start": day, "end": day}, SIM_NOW, 0)
    return len(payload["production_types"]) * len(payload["unix_seconds"])


def staged_per_day(spark, config) -> dict[str, int]:
    staged = tables.read_table(spark, config, STAGING_PUBLIC_POWER)
    local_day = F.to_date(F.from_utc_timestamp("ts_utc", "Europe/Berlin")).cast("string")
    return {r.day: r["count"] for r in staged.groupBy(local_day.alias("day")).count().collect()}


def landed(spark, config) -> list[tuple[str, int]]:
    rows = tables.read_table(spark, config, LANDING_ENERGY_CHARTS).collect()
    return sorted((r.request_params, r.http_status) for r in rows)


def window_requests(api: EnergyChartsSimulator) -> list[str]:
    return [params["start"] for endpoint, params in api.requests if endpoint == "/public_power"]


def run_record(spark, config):
    (record,) = tables.read_table(spark, config, JOB_RUNS).collect()
    return record


@pytest.mark.parametrize(
    ("kind", "times", "extra"),
    [
        ("429", 2, {"retry_after": 1}),  # Retry-After honoured twice, then the answer
        ("500", 2, {}),
        ("timeout", 1, {"delay_s": 1.5}),
    ],
)
def test_transient_fault_recovers_by_retry_and_stages_every_window(
    spark, api, lakehouse_with_api, kind, times, extra
):
    api.inject("/public_power", kind, times=times, params=SECOND_WINDOW, **extra)

    staging_job.main(ARGS)

    config = lakehouse_with_api
    assert window_requests(api) == [DAYS[0], *[DAYS[1]] * (times + 1)]
    assert staged_per_day(spark, config) == {day: expected_rows(day) for day in DAYS}
    assert [status for _, status in landed(spark, config)] == [200, 200]  # the answers, not the faults
    record = run_record(spark, config)
    assert (record.status, record.rows_in, record.rows_inserted) == (
        "succeeded",
        2,
        sum(map(expected_rows, DAYS)),
    )


@pytest.mark.parametrize(
    ("kind", "times", "error", "message"),
    [
        ("500", 3, EnergyChartsHTTPError, "HTTP 500 after retries"),
        ("429", 3, EnergyChartsHTTPError, "HTTP 429 after retries"),
        ("timeout", 3, EnergyChartsHTTPError, "request failed after retries"),
        ("truncated_json", 1, MalformedResponseError, "invalid JSON"),
        ("unequal_arrays", 1, MalformedResponseError, "series 'Solar' has 95 values for 96 timestamps"),
    ],
)
def test_persistent_or_malformed_fault_fails_the_job_and_stages_nothing(
    spark, api, lakehouse_with_api, kind, times, error, message
):
    api.inject("/public_power", kind, times=times, params=SECOND_WINDOW, retry_after=0, delay_s=1.5)

    with pytest.raises(
        error, match=rf"/public_power \(country=de, end={DAYS[1]}, start={DAYS[1]}\).*{message}"
    ):
        staging_job.main(ARGS)

    config = lakehouse_with_api
    # Malformed answers are not retried (they would come back the same); transient ones are, up to the limit.
    assert window_requests(api) == [DAYS[0], *[DAYS[1]] * times]
    assert staged_per_day(spark, config) == {}  # the good first window is not staged alone either
    assert landed(spark, config) == []
    record = run_record(spark, config)
    assert record.status == "failed"
    assert (
        record.error.startswith(f"{error.__name__}: Energy-Charts /public_power") and message in record.error
    )


def test_404_is_a_window_without_data_landed_and_counted(spark, api, lakehouse_with_api):
    api.inject("/public_power", "404", params=SECOND_WINDOW)

    staging_job.main(ARGS)

    config = lakehouse_with_api
    assert window_requests(api) == list(DAYS)  # a 404 is an answer, not retried
    assert staged_per_day(spark, config) == {DAYS[0]: expected_rows(DAYS[0])}
    assert [status for _, status in landed(spark, config)] == [200, 404]
    record = run_record(spark, config)
    assert record.status == "succeeded"
    assert '"responses_404": 1' in record.metrics
