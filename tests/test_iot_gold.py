"""The IoT gold transforms on inline data: 1-minute statistics (a minute of nulls only, the minute's
last millisecond), and the hourly sensor quality with a silent hour, a copy, a late and an
out-of-range reading, and the score formula."""

from __future__ import annotations

from datetime import date, datetime

from chispa import assert_approx_df_equality, assert_df_equality
from pyspark.sql.types import StructField, StructType

from jobs.lib.iot_telemetry import registry_df
from jobs.lib.sensor_quality_hourly import sensor_quality_hourly
from jobs.lib.sensor_readings_1min import sensor_readings_1min
from schemas import SENSOR_QUALITY_HOURLY, SENSOR_READINGS_1MIN

RUN = "run-1"
NOW = datetime(2026, 6, 21, 14, 0)
CDC = "sensor_id string, site_id string, ts_utc timestamp, value double, received_at timestamp"
STAGED = "sensor_id string, ts_utc timestamp"
QUARANTINED = "sensor_id string, ts_utc timestamp, reason string"
SENSORS = [
    {"sensor_id": "s1", "site_id": "x", "kind": "ac_power", "unit": "kW", "valid_min": 0, "valid_max": 100,
     "expected_interval_s": 600},
    {"sensor_id": "s2", "site_id": "x", "kind": "ac_power", "unit": "kW", "valid_min": 0, "valid_max": 100,
     "expected_interval_s": 600},
    {"sensor_id": "s3", "site_id": "y", "kind": "wind_speed", "unit": "m/s", "valid_min": 0, "valid_max": 60,
     "expected_interval_s": 1200},
]  # fmt: skip


def t(hour: int, minute: int, second: int = 0, ms: int = 0) -> datetime:
    return datetime(2026, 6, 21, hour, minute, second, ms * 1000)


def test_minutes_of_values_nulls_only_and_the_last_millisecond(spark):
    cdc = spark.createDataFrame(
        [
            ("s1", "x", t(10, 0, 5), 1.0, t(10, 0, 6)),
            ("s1", "x", t(10, 0, 15), 3.5, t(10, 0, 16)),
            ("s1", "x", t(10, 0, 59, 999), None, t(10, 1)),
            ("s1", "x", t(10, 1, 0), None, t(10, 1, 1)),  # a minute of nulls only
            ("s2", "x", t(10, 0, 30), 5.0, t(10, 0, 31)),
        ],
        CDC,
    )

    result = sensor_readings_1min(cdc, RUN, NOW)

    day = date(2026, 6, 21)
    expected = spark.createDataFrame(
        [
            ("s1", t(10, 0), "x", 2.25, 1.0, 3.5, 2, RUN, NOW, day),
            ("s1", t(10, 1), "x", None, None, None, 0, RUN, NOW, day),
            ("s2", t(10, 0), "x", 5.0, 5.0, 5.0, 1, RUN, NOW, day),
        ],
        SENSOR_READINGS_1MIN.schema,
    )
    assert_df_equality(
        result.select(*SENSOR_READINGS_1MIN.column_names), expected, ignore_nullable=True,
        ignore_metadata=True, ignore_row_order=True,
    )  # fmt: skip


def test_hourly_quality_silent_hour_copy_late_out_of_range_and_score(spark):
    s1_hour_10 = [("s1", "x", t(10, m), float(m), t(10, m, 5)) for m in (0, 10, 30, 40, 50)]
    cdc = spark.createDataFrame(
        [
            *s1_hour_10,
            ("s1", "x", t(10, 20), 20.0, t(10, 30)),  # received 600 s after its ts: late
            # 11:00-12:00: silent
            ("s1", "x", t(12, 0), 1.0, t(12, 0, 5)),
            ("s1", "x", t(12, 10), 2.0, t(12, 10, 5)),
            ("s1", "x", t(12, 20), None, t(12, 20, 5)),  # no reading: not received
            ("s2", "x", t(13, 5), 7.0, t(13, 5, 1)),  # the site's latest row: hour 13 is not complete
            ("s3", "y", t(9, 0), 1.0, t(9, 0, 1)),  # site y's only hour is its latest: no complete hour
        ],
        CDC,
    )
    staged = spark.createDataFrame(
        [("s1", ts) for _, _, ts, _, _ in s1_hour_10]
        + [("s1", t(10, 0)), ("s1", t(10, 20)), ("s1", t(12, 0))],
        STAGED,
    )
    quarantined = spark.createDataFrame(
        [
            ("s1", t(10, 35), "out_of_range"),
            ("s1", t(10, 45), "topic_mismatch;future_timestamp;out_of_range"),
            ("s1", t(10, 55), "unit_mismatch"),  # another reason: not counted
            ("s2", t(10, 35), "out_of_range"),  # another sensor
            (None, None, "malformed_json"),
        ],
        QUARANTINED,
    )

    result = sensor_quality_hourly(cdc, staged, quarantined, registry_df(spark, SENSORS), 300, RUN, NOW)

    day = date(2026, 6, 21)
    score_10 = 1.0 * (1 - 0.5 * 2 / 8) * (1 - 0.25 * 1 / 6)
    expected = spark.createDataFrame(
        [
            ("s1", t(10, 0), "x", 6.0, 6, 1.0, 1, 2, 1, score_10, RUN, NOW, day),
            ("s1", t(11, 0), "x", 6.0, 0, 0.0, 0, 0, 0, 0.0, RUN, NOW, day),
            ("s1", t(12, 0), "x", 6.0, 2, 2 / 6, 0, 0, 0, 2 / 6, RUN, NOW, day),
        ],
        StructType([StructField(f.name, f.dataType) for f in SENSOR_QUALITY_HOURLY.schema]),  # no comments
    )
    assert_approx_df_equality(
        result.select(*SENSOR_QUALITY_HOURLY.column_names), expected, 1e-12, ignore_nullable=True,
        ignore_row_order=True,
    )  # fmt: skip
