"""jobs/staging/iot_telemetry.py killed with SIGKILL mid-stream (a subprocess, one landing file per
micro-batch) and re-run: every landed line is staged or quarantined exactly once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from pyspark.sql import functions as F

from common import tables
from common.config import conf_dir
from jobs.staging import iot_telemetry as job
from schemas import JOB_RUNS, QUARANTINE_STAGING_IOT_TELEMETRY, STAGING_IOT_TELEMETRY
from tests.test_iot_staging_job import REPO, assert_every_line_once, line_keys, write_landing


def test_killed_mid_stream_and_rerun_stages_every_line_exactly_once(spark, lakehouse, tmp_path):
    root = Path(lakehouse.lakehouse_root)
    landed = write_landing(root, files=8, lines_per_file=15)
    # One file per micro-batch, so the kill lands between batches' writes.
    conf = tmp_path / "conf"
    shutil.copytree(conf_dir(), conf)
    with (conf / "test" / "config.yaml").open("a") as f:
        f.write("\niot:\n  staging:\n    max_files_per_trigger: 1\n")
    env = os.environ | {"LAKEHOUSE_CONF_DIR": str(conf), "LAKEHOUSE_ROOT": str(root), "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "jobs.staging.iot_telemetry", "--env", "test"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    log = root / "staging" / "iot_telemetry" / "_delta_log"
    try:
        deadline = time.monotonic() + 900  # generous: a loaded 2-core machine starts Spark slowly
        while time.monotonic() < deadline and len(list(log.glob("*.json"))) < 3:  # created + 2 batches
            time.sleep(0.2)
        assert len(list(log.glob("*.json"))) >= 3, "the job staged fewer than 2 batches in 15 minutes"
        assert process.poll() is None, "the job ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    done_before = sum(
        len(line_keys(spark, lakehouse, s)) for s in (STAGING_IOT_TELEMETRY, QUARANTINE_STAGING_IOT_TELEMETRY)
    )
    assert 0 < done_before < landed

    job.main(["--env", "test"])

    assert_every_line_once(spark, lakehouse, landed)
    runs = tables.read_table(spark, lakehouse, JOB_RUNS).filter(F.col("status") == "succeeded").collect()
    # The re-run staged what the killed run had not committed (a replayed batch counts, but is skipped).
    assert [json.loads(r.metrics)["lines"] >= landed - done_before for r in runs] == [True]
