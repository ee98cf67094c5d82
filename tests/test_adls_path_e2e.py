"""End to end on an ADLS Gen2 root: the three public-power jobs run with `--env adls`, a root composed
from account, container and prefix, and (fake) account-key credentials, so config, session settings,
table paths, Delta commits, MERGE, the Change Data Feed and the run log all go through
`abfss://<container>@<account>.dfs.core.windows.net/<prefix>` URIs.

Behind the abfss scheme sits the local disk instead of Azure: Hadoop's ViewFileSystemOverloadScheme
keeps the URIs and maps them onto `tmp_path`. Everything above the Hadoop FileSystem is the code that
runs against Azure."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from common import tables
from common.azure import AdlsLocation
from common.config import Config, load_config
from jobs.cdc import public_power as cdc_job
from jobs.staging import public_power as staging_job
from jobs.transform import daily_production_trend as gold_job
from schemas import (
    CDC_PUBLIC_POWER,
    CDF_OFFSETS,
    DAILY_PRODUCTION_TREND,
    JOB_RUNS,
    LANDING_ENERGY_CHARTS,
    STAGING_PUBLIC_POWER,
)
from simulator.energy_charts import EnergyChartsSimulator

pytestmark = pytest.mark.e2e

ACCOUNT, CONTAINER = "energylakee2e", "lakehouse"
FAKE_KEY = "ZmFrZS1lMmUta2V5LW5vdC1hLXNlY3JldA=="  # obviously fake; tests never hold a real credential
# One local day, the 25-hour one: 100 quarter-hours.
ARGS = ["--start", "2026-10-25", "--end", "2026-10-25", "--country", "de", "--env", "adls"]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def adls_on_disk(spark, tmp_path, monkeypatch) -> Iterator[tuple[Config, Path]]:
    """The adls environment with its abfss:// root served from tmp_path; yields (config, local root)."""
    authority = f"{CONTAINER}@{ACCOUNT}.dfs.core.windows.net"
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()
    mapping = {
        "fs.abfss.impl": "org.apache.hadoop.fs.viewfs.ViewFileSystemOverloadScheme",
        "fs.viewfs.overload.scheme.target.abfss.impl": "org.apache.hadoop.fs.LocalFileSystem",
        f"fs.viewfs.mounttable.{authority}.linkFallback": (tmp_path / "adls").as_uri(),
        "fs.abfss.impl.disable.cache": "true",
        # No AbstractFileSystem for the mapped scheme: Spark's checkpoint file manager (Delta writes
        # its checksum files with it) then falls back to the FileSystem API.
        "fs.AbstractFileSystem.abfss.impl": None,
    }
    hadoop_before = {key: hadoop.get(key) for key in mapping}
    conf_before = dict(spark.conf.getAll)
    for key, value in mapping.items():
        hadoop.unset(key) if value is None else hadoop.set(key, value)
    prefix = f"e2e/{tmp_path.name}"
    for variable, value in {
        "AZURE_STORAGE_ACCOUNT": ACCOUNT,
        "AZURE_STORAGE_CONTAINER": CONTAINER,
        "LAKEHOUSE_ADLS_PREFIX": prefix,
        "AZURE_STORAGE_KEY": FAKE_KEY,
        "ENERGY_CHARTS_PACE_S": "0",
    }.items():
        monkeypatch.setenv(variable, value)
    for variable in (
        "LAKEHOUSE_ROOT",
        "LAKEHOUSE_ADLS_AUTH",
        "AZURE_CLIENT_ID",
        "DATABRICKS_RUNTIME_VERSION",
    ):
        monkeypatch.delenv(variable, raising=False)
    try:
        yield load_config("adls"), tmp_path / "adls" / prefix
    finally:
        for key, value in hadoop_before.items():
            hadoop.unset(key) if value is None else hadoop.set(key, value)
        # The jobs' builder settings land in the shared session's runtime conf: put it back as it was
        # (Spark core settings such as spark.redaction.regex cannot be changed at runtime; they stay).
        for key in set(dict(spark.conf.getAll)) - set(conf_before):
            if spark.conf.isModifiable(key):
                spark.conf.unset(key)
        for key, value in conf_before.items():
            if spark.conf.get(key, None) != value and spark.conf.isModifiable(key):
                spark.conf.set(key, value)


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    handler = _Records()
    logger = logging.getLogger("lakehouse")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def test_the_slice_runs_on_an_abfss_root(spark, adls_on_disk, log_lines, monkeypatch):
    config, local_root = adls_on_disk
    location = AdlsLocation.parse(config.lakehouse_root)
    assert (location.container, location.account) == (CONTAINER, ACCOUNT)
    assert (
        config.lakehouse_root == f"abfss://{CONTAINER}@{ACCOUNT}.dfs.core.windows.net/e2e/{local_root.name}"
    )

    now = datetime(2026, 10, 27, 12, tzinfo=timezone.utc)
    with EnergyChartsSimulator(now=now) as simulator:
        monkeypatch.setenv("ENERGY_CHARTS_BASE_URL", simulator.base_url)
        for job in (staging_job, cdc_job, gold_job):
            job.main(ARGS)

    # Every table the slice writes is a Delta table under the abfss root, i.e. below the mapped prefix.
    for spec in (LANDING_ENERGY_CHARTS, STAGING_PUBLIC_POWER, CDC_PUBLIC_POWER, DAILY_PRODUCTION_TREND):
        assert tables.spec_path(config, spec).startswith(f"{config.lakehouse_root}/"), spec.full_name
        assert (local_root / spec.layer / spec.name / "_delta_log").is_dir(), spec.full_name
    for spec in (JOB_RUNS, CDF_OFFSETS):
        assert (local_root / spec.layer / spec.name / "_delta_log").is_dir(), spec.full_name
    gold = tables.read_table(spark, config, DAILY_PRODUCTION_TREND).collect()
    assert len(gold) == 16  # 21 series less Load, Residual load, trading and the two shares
    assert {(r.date.isoformat(), r.intervals_expected, r.intervals_reported) for r in gold} == {
        ("2026-10-25", 100, 100)
    }
    on_disk = spark.read.format("delta").load(str(local_root / "gold" / "daily_production_trend"))
    assert on_disk.count() == len(gold)

    runs = tables.read_table(spark, config, JOB_RUNS).collect()
    assert sorted((r.job, r.status, r.params.count('"adls"')) for r in runs) == [
        ("cdc.public_power", "succeeded", 1),
        ("staging.public_power", "succeeded", 1),
        ("transform.daily_production_trend", "succeeded", 1),
    ]

    # The account key reached Spark's settings, and shows nowhere: run log, our log lines, Spark's SET.
    assert spark.conf.get(f"spark.hadoop.fs.azure.account.key.{location.host}") == FAKE_KEY
    for row in runs:
        assert FAKE_KEY not in repr(row.asDict())
    assert log_lines and not [line for line in log_lines if FAKE_KEY in line]
    shown = {row.key: row.value for row in spark.sql("SET").collect()}
    assert shown[f"spark.hadoop.fs.azure.account.key.{location.host}"] != FAKE_KEY
    assert FAKE_KEY not in repr(shown)
