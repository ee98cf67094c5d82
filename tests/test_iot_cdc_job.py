"""jobs/cdc/iot_telemetry.py after the staging job: N distinct readings staged (copies included) give
exactly N cdc rows with their values; a second run with nothing new writes nothing."""

from __future__ import annotations

from pathlib import Path

from common import tables
from jobs.cdc import iot_telemetry as cdc_job
from jobs.staging import iot_telemetry as staging_job
from schemas import CDC_IOT_TELEMETRY, STAGING_IOT_TELEMETRY
from tests.test_iot_staging_job import write_landing


def test_staged_readings_merge_into_one_cdc_row_per_sensor_and_instant(spark, lakehouse):
    write_landing(Path(lakehouse.lakehouse_root), files=2, lines_per_file=20)
    staging_job.main(["--env", "test"])

    cdc_job.main(["--env", "test"])

    staged = tables.read_table(spark, lakehouse, STAGING_IOT_TELEMETRY)
    expected = {
        (r.sensor_id, r.ts_utc): r.value for r in staged.select("sensor_id", "ts_utc", "value").collect()
    }
    cdc = tables.read_table(spark, lakehouse, CDC_IOT_TELEMETRY).collect()
    assert len(expected) == 28  # 2 files × (20 lines − 4 out of range − 2 copies)
    assert {(r.sensor_id, r.ts_utc): r.value for r in cdc} == expected
    assert len(cdc) == len(expected)
    version = tables.current_version(spark, lakehouse, CDC_IOT_TELEMETRY)

    cdc_job.main(["--env", "test"])

    assert tables.current_version(spark, lakehouse, CDC_IOT_TELEMETRY) == version
