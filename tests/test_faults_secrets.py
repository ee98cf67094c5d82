"""Secrets never reach logs, ops/job_runs or exceptions: a staging job runs in its own process against
an ADLS (abfss://) root with an account key and a client secret in its environment, and fails (the API
is unreachable). Everything it wrote — stdout and stderr of Python and the JVM, Spark's event log,
every file under the lakehouse root, the run record — is searched for both secrets.

Behind the abfss scheme sits the local disk (Hadoop's ViewFileSystemOverloadScheme, set through the
environment's spark.conf in a conf/ copy), as in tests/test_adls_path_e2e.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from deltalake import DeltaTable

from common.config import deep_merge

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
ACCOUNT, CONTAINER, PREFIX = "energylakesecret", "lakehouse", "secret-test"
ARGS = ["--country", "de", "--start", "2026-10-25", "--end", "2026-10-25", "--env", "adls"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing answers there


def secrets() -> dict[str, str]:
    # Made up per run, so a hit can only come from this run. Obviously not real credentials.
    return {
        "AZURE_STORAGE_KEY": f"ZmFrZS1rZXk-{uuid.uuid4().hex}",
        "AZURE_CLIENT_SECRET": f"fake-client-secret-{uuid.uuid4().hex}",
    }


@pytest.fixture
def adls_conf(tmp_path) -> tuple[Path, Path, Path]:
    """A conf/ copy whose adls environment maps abfss://…/ onto tmp_path and keeps Spark's event log;
    returns (conf dir, local root of the container, event log dir)."""
    conf, disk, events = tmp_path / "conf", tmp_path / "adls", tmp_path / "events"
    shutil.copytree(REPO / "conf", conf)
    events.mkdir()
    adls_file = conf / "adls" / "config.yaml"
    hadoop = {
        "fs.abfss.impl": "org.apache.hadoop.fs.viewfs.ViewFileSystemOverloadScheme",
        "fs.viewfs.overload.scheme.target.abfss.impl": "org.apache.hadoop.fs.LocalFileSystem",
        f"fs.viewfs.mounttable.{CONTAINER}@{ACCOUNT}.dfs.core.windows.net.linkFallback": disk.as_uri(),
        "fs.abfss.impl.disable.cache": "true",
    }
    spark_conf = {f"spark.hadoop.{key}": value for key, value in hadoop.items()}
    spark_conf |= {
        # Delta's checksum files go through Hadoop's AbstractFileSystem, which the mapping lacks.
        "spark.databricks.delta.writeChecksumFile.enabled": "false",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": events.as_uri(),
        "spark.eventLog.compress": "false",  # searched as text below
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
    }
    settings = deep_merge(
        yaml.safe_load(adls_file.read_text(encoding="utf-8")),
        {
            "spark": {"conf": spark_conf},
            "energy_charts": {"max_retries": 1, "backoff_factor": 0.01, "pace_s": 0},
        },
    )
    adls_file.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return conf, disk, events


def run_job(conf: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "LAKEHOUSE_", "PYSPARK_"))},
        "LAKEHOUSE_CONF_DIR": str(conf),
        "AZURE_STORAGE_ACCOUNT": ACCOUNT,
        "AZURE_STORAGE_CONTAINER": CONTAINER,
        "LAKEHOUSE_ADLS_PREFIX": PREFIX,
        "ENERGY_CHARTS_BASE_URL": f"http://127.0.0.1:{closed_port()}",
        "PYTHONPATH": str(REPO),
        **env,
    }
    command = [sys.executable, "-m", "jobs.staging.public_power", *ARGS]
    return subprocess.run(command, cwd=REPO, env=environ, capture_output=True, text=True, timeout=600)


def files_holding(root: Path, secret: str) -> list[str]:
    needle = secret.encode()
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_failing_adls_run_writes_no_secret_anywhere(adls_conf, tmp_path):
    conf, disk, events = adls_conf
    hidden = secrets()

    done = run_job(conf, LAKEHOUSE_ADLS_AUTH="account_key", **hidden)

    # It failed where it should: the API, after the session and the run record were set up on ADLS.
    assert done.returncode != 0
    assert "EnergyChartsHTTPError" in done.stderr and "request failed after retries" in done.stderr
    job_runs = disk / PREFIX / "ops" / "job_runs"
    (record,) = DeltaTable(str(job_runs)).to_pyarrow_table().to_pylist()
    assert (record["job"], record["status"]) == ("staging.public_power", "failed")
    assert record["error"].startswith("EnergyChartsHTTPError: Energy-Charts /public_power")
    assert any(events.iterdir()), "Spark wrote no event log"
    # The key did reach Spark (the event log names its setting, value redacted).
    assert f"fs.azure.account.key.{ACCOUNT}.dfs.core.windows.net" in "".join(
        p.read_text(errors="replace") for p in events.rglob("*") if p.is_file()
    )

    for name, secret in hidden.items():
        assert secret not in done.stdout, name
        assert secret not in done.stderr, name
        assert not files_holding(tmp_path, secret), name  # lakehouse files, Delta logs, event log
        assert secret not in repr(record), name


def test_a_missing_credential_names_variables_never_values(adls_conf):
    conf, disk, _ = adls_conf
    hidden = secrets()

    # A client secret without its id and tenant: the service principal is incomplete.
    client_secret = hidden["AZURE_CLIENT_SECRET"]
    done = run_job(conf, AZURE_CLIENT_SECRET=client_secret, LAKEHOUSE_ADLS_AUTH="service_principal")

    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "not set: AZURE_CLIENT_ID, AZURE_TENANT_ID" in done.stderr
    assert hidden["AZURE_CLIENT_SECRET"] not in done.stderr + done.stdout
    assert not disk.exists()
