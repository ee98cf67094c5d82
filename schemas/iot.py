"""IoT telemetry tables: every landed MQTT line staged (or quarantined with its reasons), the merged
current reading per (sensor, instant), and the 1-minute and hourly-quality gold tables. Partitioned by
the UTC day of the reading so merges and recomputations prune to the days they touch."""

from pyspark.sql.types import (
    BooleanType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructType,
    TimestampType,
)

from schemas.energy_charts import cdc_audit_columns
from schemas.spec import TableSpec, column

# The reasons a landing line is quarantined, in the order `reason` lists them (';'-joined).
# `missing_field:<name>` stands for one reason per required payload field, in PAYLOAD_FIELDS order.
QUARANTINE_REASONS = (
    "malformed_json",
    "not_utf8",
    "missing_field:<name>",
    "unknown_sensor",
    "topic_mismatch",
    "bad_timestamp",
    "future_timestamp",
    "non_numeric_value",
    "unit_mismatch",
    "out_of_range",
)
PAYLOAD_FIELDS = ("sensor_id", "ts", "value", "unit", "seq")
REASON_SEPARATOR = ";"

QUALITY_SCORE_FORMULA = (
    "completeness × (1 − 0.5 × out_of_range_count / (received_samples + out_of_range_count)) × "
    "(1 − 0.25 × late_count / received_samples), each fraction 0 when its denominator is 0"
)


def _ts_date(comment: str = "UTC date of ts_utc (partition)", nullable: bool = False):
    return column("ts_date", DateType(), comment, nullable=nullable)


STAGING_IOT_TELEMETRY = TableSpec(
    layer="staging",
    name="iot_telemetry",
    comment="Every sensor reading that arrived over MQTT and passed the checks, one row per landing line: "
    "copies (QoS 1 redeliveries, resends) are kept.",
    schema=StructType(
        [
            column(
                "sensor_id", StringType(), "Sensor id from the payload, known to the registry", nullable=False
            ),
            column("site_id", StringType(), "Site of the sensor (registry)", nullable=False),
            column("ts_utc", TimestampType(), "Instant of the reading, UTC, ms precision", nullable=False),
            column("value", DoubleType(), "The reading in `unit`; null = the sensor sent no reading"),
            column("unit", StringType(), "Unit from the payload (equals the registry's)", nullable=False),
            column("seq", LongType(), "The sensor's message sequence number", nullable=False),
            column("topic", StringType(), "MQTT topic, sensors/{site_id}/{sensor_id}", nullable=False),
            column("qos", IntegerType(), "MQTT QoS of the delivery"),
            column("dup", BooleanType(), "MQTT DUP flag: the broker redelivered the message"),
            column("received_at", TimestampType(), "When the collector received it, UTC", nullable=False),
            column(
                "source_file", StringType(), "Landing file that holds the line (full path)", nullable=False
            ),
            column("line_number", LongType(), "Line of the landing file, from 1", nullable=False),
            column("run_id", StringType(), "Run of the staging job", nullable=False),
            _ts_date(),
        ]
    ),
    keys=("source_file", "line_number"),
    partition_by=("ts_date",),
    change_data_feed=True,
    quarantine_columns=(column("raw_line", StringType(), "The landing line exactly as landed"),),
    quarantine_reason="Every reason that applies, ';'-separated, in this order: "
    + ", ".join(QUARANTINE_REASONS)
    + " (README: IoT quarantine reasons); or the failed suite expectations, '; '-separated",
    # gold/sensor_quality_hourly counts the out_of_range lines per hour from its changes.
    quarantine_change_data_feed=True,
)

CDC_IOT_TELEMETRY = TableSpec(
    layer="cdc",
    name="iot_telemetry",
    comment="Current reading per (sensor, instant): the latest received non-null value wins (ties: higher "
    "seq, then later landing file and line), nulls never overwrite.",
    schema=StructType(
        [
            column("sensor_id", StringType(), "Sensor id (registry)", nullable=False),
            column("ts_utc", TimestampType(), "Instant of the reading, UTC, ms precision", nullable=False),
            column("site_id", StringType(), "Site of the sensor (registry)", nullable=False),
            column("value", DoubleType(), "The reading in `unit`; null = only empty readings arrived"),
            column("unit", StringType(), "Unit of the value", nullable=False),
            column(
                "seq",
                LongType(),
                "Sequence number of the message that delivered the stored value",
                nullable=False,
            ),
            *cdc_audit_columns("received_at", "Receipt time of the stored value (latest copy confirming it)"),
            _ts_date(),
        ]
    ),
    keys=("sensor_id", "ts_utc"),
    partition_by=("ts_date",),
    change_data_feed=True,
    value_column="value",
    payload_columns=("site_id", "unit"),
    order_by=("received_at", "seq", "source_file", "line_number"),
)

SENSOR_READINGS_1MIN = TableSpec(
    layer="gold",
    name="sensor_readings_1min",
    comment="Every sensor's readings resampled to UTC minutes: statistics of the non-null cdc values with "
    "ts_utc in [minute_utc, minute_utc + 60 s); a row for every minute with at least one cdc row.",
    schema=StructType(
        [
            column("sensor_id", StringType(), "Sensor id (registry)", nullable=False),
            column("minute_utc", TimestampType(), "Start of the UTC minute", nullable=False),
            column("site_id", StringType(), "Site of the sensor", nullable=False),
            column("mean_value", DoubleType(), "Mean of the non-null values; null if none"),
            column("min_value", DoubleType(), "Smallest non-null value; null if none"),
            column("max_value", DoubleType(), "Largest non-null value; null if none"),
            column(
                "sample_count",
                LongType(),
                "Number of non-null values (0 for a minute of nulls only)",
                nullable=False,
            ),
            column("run_id", StringType(), "Run that computed the row (audit)", nullable=False),
            column("computed_at", TimestampType(), "When the row was computed (audit)", nullable=False),
            column("date_utc", DateType(), "UTC date of minute_utc (partition)", nullable=False),
        ]
    ),
    keys=("sensor_id", "minute_utc"),
    partition_by=("date_utc",),
    # gold/solar_site_daily consumes its changes (common/incremental.py).
    change_data_feed=True,
)

SENSOR_QUALITY_HOURLY = TableSpec(
    layer="gold",
    name="sensor_quality_hourly",
    comment="Data quality per registered sensor and complete UTC hour, from the hour of its first cdc row "
    "up to, not including, the hour of its site's latest cdc row (silent hours included).",
    schema=StructType(
        [
            column("sensor_id", StringType(), "Sensor id (registry)", nullable=False),
            column("hour_utc", TimestampType(), "Start of the UTC hour", nullable=False),
            column("site_id", StringType(), "Site of the sensor", nullable=False),
            column(
                "expected_samples", DoubleType(), "3600 / expected_interval_s of the sensor", nullable=False
            ),
            column(
                "received_samples",
                LongType(),
                "Distinct ts_utc of the hour with a non-null value in cdc",
                nullable=False,
            ),
            column(
                "completeness", DoubleType(), "min(1, received_samples / expected_samples)", nullable=False
            ),
            column(
                "duplicate_count",
                LongType(),
                "Staging rows with ts_utc in the hour minus the distinct (sensor, ts_utc) among them",
                nullable=False,
            ),
            column(
                "out_of_range_count",
                LongType(),
                "Quarantined lines with reason out_of_range naming the sensor, ts_utc in the hour",
                nullable=False,
            ),
            column(
                "late_count",
                LongType(),
                "cdc rows of the hour with a non-null value received more than iot.late_after_s "
                "(default 300) after ts_utc",
                nullable=False,
            ),
            column(
                "quality_score",
                DoubleType(),
                f"In [0, 1]: {QUALITY_SCORE_FORMULA}; 1 = complete, nothing out of range or late; 0 = silent",
                nullable=False,
            ),
            column("run_id", StringType(), "Run that computed the row (audit)", nullable=False),
            column("computed_at", TimestampType(), "When the row was computed (audit)", nullable=False),
            column("date_utc", DateType(), "UTC date of hour_utc (partition)", nullable=False),
        ]
    ),
    keys=("sensor_id", "hour_utc"),
    partition_by=("date_utc",),
)
