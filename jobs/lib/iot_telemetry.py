"""IoT telemetry: landing lines (the collector's JSON envelopes around MQTT payloads) -> staged
readings or quarantined lines with every reason that applies (README: IoT quarantine reasons).

The payload is read as a Variant (`try_parse_json`) so JSON types stay visible: a boolean or a numeric
string is not a number, an absent field differs from a JSON null."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from common import tables
from schemas.iot import PAYLOAD_FIELDS, REASON_SEPARATOR, STAGING_IOT_TELEMETRY
from schemas.quality import QUARANTINE_STAGING_IOT_TELEMETRY

REGISTRY_SCHEMA = (
    "sensor_id string, site_id string, kind string, unit string, valid_min double, valid_max double, "
    "expected_interval_s double"
)
LINES_SCHEMA = "raw_line string, source_file string, line_number long"

# ISO-8601 with a mandatory offset or Z; what the message contract accepts as a string ts.
ISO_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
MAX_EPOCH_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
INTEGER_TYPES = ("TINYINT", "SMALLINT", "INT", "BIGINT")
NUMBER_TYPE_PATTERN = r"^(TINYINT|SMALLINT|INT|BIGINT|FLOAT|DOUBLE|DECIMAL)"
# JSON type (schema_of_variant) each required field must have besides being present and not null;
# ts and value have reasons of their own.
FIELD_TYPES = {"sensor_id": ("STRING",), "unit": ("STRING",), "seq": INTEGER_TYPES}


def registry_df(spark: SparkSession, sensors: Iterable[Any]) -> DataFrame:
    """The sensor registry as a DataFrame, from Sensor objects or mappings with the same fields."""

    def field(sensor: Any, name: str) -> Any:
        return sensor[name] if isinstance(sensor, Mapping) else getattr(sensor, name)

    rows = [
        (*(field(s, n) for n in ("sensor_id", "site_id", "kind", "unit")),
         float(field(s, "valid_min")), float(field(s, "valid_max")), float(field(s, "expected_interval_s")))
        for s in sensors
    ]  # fmt: skip
    return spark.createDataFrame(rows, REGISTRY_SCHEMA)


def _json_type(variant: Column, field: str) -> Column:
    """schema_of_variant of a field: null if absent, 'VOID' for a JSON null, else its JSON type."""
    return F.schema_of_variant(F.variant_get(variant, f"$.{field}", "variant"))


def _is_object(variant: Column) -> Column:
    """True for a JSON object, false for anything else, including text that is not JSON."""
    return F.coalesce(F.startswith(F.schema_of_variant(variant), F.lit("OBJECT")), F.lit(False))


def _is_present(json_type: Column) -> Column:
    return json_type.isNotNull() & (json_type != "VOID")


def with_envelope(lines_df: DataFrame) -> DataFrame:
    """Read the collector's envelope: topic, qos, dup, received_at and the payload text, decoded from
    base64 where the collector had to (`payload_bytes_ok` false: not UTF-8)."""
    envelope = F.try_parse_json("raw_line")
    encoded = F.variant_get(envelope, "$.payload_encoding", "string")
    payload = F.try_variant_get(envelope, "$.payload", "string")
    decoded = F.try_to_binary(payload, F.lit("base64")).cast("string")
    received_at = F.try_variant_get(envelope, "$.received_at", "string")
    return (
        lines_df.withColumn("_envelope", envelope)
        .withColumns(
            {
                "topic": F.try_variant_get("_envelope", "$.topic", "string"),
                "qos": F.try_variant_get("_envelope", "$.qos", "int"),
                "dup": F.try_variant_get("_envelope", "$.dup", "boolean"),
                "received_at": F.when(received_at.rlike(ISO_WITH_OFFSET), received_at.try_cast("timestamp")),
                "_is_base64": F.coalesce(encoded == "base64", F.lit(False)),
            }
        )
        .withColumn("_payload_text", F.when(F.col("_is_base64"), decoded).otherwise(payload))
        .withColumn(
            "_envelope_ok",
            _is_object(F.col("_envelope"))
            & F.col("topic").isNotNull()
            & payload.isNotNull()
            & F.col("received_at").isNotNull(),
        )
        .withColumn(
            "payload_bytes_ok",
            ~F.col("_is_base64") | F.coalesce(F.is_valid_utf8("_payload_text"), F.lit(False)),
        )
    )


def with_payload(df: DataFrame) -> DataFrame:
    """Parse the payload into typed candidates (null where unreadable) and their JSON types."""
    payload = F.try_parse_json(F.when(F.col("payload_bytes_ok"), F.col("_payload_text")))
    parsed = df.withColumn("_payload", payload).withColumn("payload_json_ok", _is_object(F.col("_payload")))
    types = {f"_type_{name}": _json_type(F.col("_payload"), name) for name in PAYLOAD_FIELDS}
    parsed = parsed.withColumns(types)
    ts_text = F.try_variant_get("_payload", "$.ts", "string")
    ts_ms = F.try_variant_get("_payload", "$.ts", "long")
    ts_from_text = F.when(ts_text.rlike(ISO_WITH_OFFSET), ts_text.try_cast("timestamp"))
    ts_from_ms = F.when(ts_ms.between(0, MAX_EPOCH_MS), F.timestamp_millis(ts_ms))
    ts_type = F.col("_type_ts")
    return parsed.withColumns(
        {
            "sensor_id": F.when(
                F.col("_type_sensor_id") == "STRING", F.variant_get("_payload", "$.sensor_id", "string")
            ),
            "unit": F.when(F.col("_type_unit") == "STRING", F.variant_get("_payload", "$.unit", "string")),
            "seq": F.when(
                F.col("_type_seq").isin(*INTEGER_TYPES), F.try_variant_get("_payload", "$.seq", "long")
            ),
            "_is_numeric": F.coalesce(F.col("_type_value").rlike(NUMBER_TYPE_PATTERN), F.lit(False)),
            # ms precision: finer digits of an ISO ts are cut, as the contract's examples carry ms.
            "ts_utc": F.date_trunc(
                "millisecond",
                F.when(ts_type == "STRING", ts_from_text).when(ts_type.isin(*INTEGER_TYPES), ts_from_ms),
            ),
        }
    ).withColumn("value", F.when(F.col("_is_numeric"), F.try_variant_get("_payload", "$.value", "double")))


def with_registry(df: DataFrame, registry: DataFrame) -> DataFrame:
    """Join the payload's sensor to the registry (site_id, registry unit and valid range)."""
    sensors = registry.select(
        F.col("sensor_id").alias("_registry_sensor_id"),
        F.col("site_id"),
        F.col("unit").alias("_registry_unit"),
        F.col("valid_min").alias("_valid_min"),
        F.col("valid_max").alias("_valid_max"),
    )
    return df.join(
        F.broadcast(sensors), df["sensor_id"] == sensors["_registry_sensor_id"], "left"
    ).withColumn("_known", F.col("_registry_sensor_id").isNotNull())


def _missing(name: str) -> Column:
    json_type = F.col(f"_type_{name}")
    if name == "value":  # null is "no reading"; only an absent value is missing
        return json_type.isNull()
    wrong_type = ~json_type.isin(*FIELD_TYPES[name]) if name in FIELD_TYPES else F.lit(False)
    return ~_is_present(json_type) | wrong_type


def with_reason(df: DataFrame, max_future_s: int) -> DataFrame:
    """`reason`: every applicable reason, ';'-joined in the documented order ('' = stage the line)."""
    readable = F.col("_envelope_ok") & F.col("payload_bytes_ok") & F.col("payload_json_ok")
    known = readable & F.col("_known")
    topic_parts = F.split(F.col("topic"), "/")
    topic_matches = (F.try_element_at(topic_parts, F.lit(-2)) == F.col("site_id")) & (
        F.try_element_at(topic_parts, F.lit(-1)) == F.col("sensor_id")
    )
    ts_present = _is_present(F.col("_type_ts"))
    unit_matches = F.col("unit") == F.col("_registry_unit")
    in_range = F.col("value").between(F.col("_valid_min"), F.col("_valid_max"))
    future = F.col("ts_utc") > F.col("received_at") + F.expr(f"INTERVAL {int(max_future_s)} SECONDS")
    checks: list[tuple[str, Column]] = [
        ("malformed_json", ~F.col("_envelope_ok") | (F.col("payload_bytes_ok") & ~F.col("payload_json_ok"))),
        ("not_utf8", F.col("_envelope_ok") & ~F.col("payload_bytes_ok")),
        *((f"missing_field:{name}", readable & _missing(name)) for name in PAYLOAD_FIELDS),
        ("unknown_sensor", readable & F.col("sensor_id").isNotNull() & ~F.col("_known")),
        ("topic_mismatch", known & ~F.coalesce(topic_matches, F.lit(False))),
        ("bad_timestamp", readable & ts_present & F.col("ts_utc").isNull()),
        ("future_timestamp", readable & F.coalesce(future, F.lit(False))),
        ("non_numeric_value", readable & _is_present(F.col("_type_value")) & ~F.col("_is_numeric")),
        ("unit_mismatch", known & F.col("unit").isNotNull() & ~unit_matches),
        ("out_of_range", known & F.col("_is_numeric") & F.coalesce(unit_matches & ~in_range, F.lit(False))),
    ]
    reasons = [F.when(F.coalesce(failing, F.lit(False)), F.lit(name)) for name, failing in checks]
    return df.withColumn("reason", F.concat_ws(REASON_SEPARATOR, *reasons))


def with_parsed_lines(lines_df: DataFrame, registry: DataFrame, max_future_s: int) -> DataFrame:
    """Every landing line (raw_line, source_file, line_number) with the staging columns it yields and
    its `reason` ('' when it is staged), one row per line."""
    return (
        lines_df.transform(with_envelope)
        .transform(with_payload)
        .transform(with_registry, registry)
        .transform(with_reason, max_future_s)
        .withColumn("ts_date", F.to_date("ts_utc"))
    )


def staged_rows(parsed_df: DataFrame, run_id: str) -> DataFrame:
    """The lines without a reason, as staging/iot_telemetry rows."""
    return tables.conform(
        parsed_df.filter(F.col("reason") == "").withColumn("run_id", F.lit(run_id)), STAGING_IOT_TELEMETRY
    )


def quarantined_rows(parsed_df: DataFrame, run_id: str, now: datetime) -> DataFrame:
    """The lines with a reason, as quarantine rows: the raw line and what could be read of it."""
    return tables.conform(
        parsed_df.filter(F.col("reason") != "").withColumns(
            {"run_id": F.lit(run_id), "quarantined_at": F.lit(now).cast("timestamp")}
        ),
        QUARANTINE_STAGING_IOT_TELEMETRY,
    )


def with_numbered_lines(files_df: DataFrame) -> DataFrame:
    """Whole landing files (source_file, text) -> one row per line (raw_line, source_file, line_number
    from 1). The newline ending the last line opens no line of its own; every other line, even an
    empty one, is kept so it can be counted."""
    lines = F.split(F.col("text"), "\n", -1)
    return (
        files_df.select(
            "source_file", F.size(lines).alias("_lines"), F.posexplode(lines).alias("_pos", "raw_line")
        )
        .filter(~((F.col("_pos") == F.col("_lines") - 1) & (F.col("raw_line") == "")))
        .select("raw_line", "source_file", (F.col("_pos") + 1).cast("long").alias("line_number"))
    )
