"""Landing line -> staged reading or quarantined line: every reason alone and combined, in the
documented order; ISO and epoch-ms timestamps; JSON types (booleans and numeric strings are no
numbers, null is no reading); base64 payloads; one output row per line, nothing lost."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime

from chispa import assert_df_equality

from jobs.lib.iot_telemetry import (
    LINES_SCHEMA,
    quarantined_rows,
    registry_df,
    staged_rows,
    with_parsed_lines,
)
from schemas import QUARANTINE_STAGING_IOT_TELEMETRY, STAGING_IOT_TELEMETRY

FILE = "/lake/landing/iot/received_date=2026-06-21/part-20260621T101531Z-a.jsonl"
RECEIVED = "2026-06-21T10:15:31.000Z"
RUN = "run-1"
NOW = datetime(2026, 6, 21, 10, 20)
SENSORS = [
    {"sensor_id": "solar-a-poa-1", "site_id": "solar-a", "kind": "irradiance_poa", "unit": "W/m2",
     "valid_min": 0, "valid_max": 1500, "expected_interval_s": 10},
    {"sensor_id": "solar-a-temp-1", "site_id": "solar-a", "kind": "module_temperature", "unit": "degC",
     "valid_min": -40, "valid_max": 90, "expected_interval_s": 60},
]  # fmt: skip
GOOD = {
    "sensor_id": "solar-a-poa-1",
    "ts": "2026-06-21T10:15:30.250Z",
    "value": 812.5,
    "unit": "W/m2",
    "seq": 7,
}
TOPIC = "sensors/solar-a/solar-a-poa-1"


def envelope(payload, topic=TOPIC, received_at=RECEIVED, **extra) -> str:
    """A landing line as the collector writes it; a dict payload is serialised as JSON text."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return json.dumps(
        {"topic": topic, "payload": text, "qos": 1, "retain": False, "dup": False, "received_at": received_at}
        | extra
    )


def payload(**changes):
    """GOOD with fields changed; a value of `...` removes the field."""
    return {k: v for k, v in (GOOD | changes).items() if v is not ...}


def parse(spark, lines, max_future_s=300):
    lines_df = spark.createDataFrame([(line, FILE, i + 1) for i, line in enumerate(lines)], LINES_SCHEMA)
    return with_parsed_lines(lines_df, registry_df(spark, SENSORS), max_future_s)


def reasons(spark, lines, **kwargs) -> list[str]:
    """The reason of each line, in line order ('' = staged)."""
    rows = parse(spark, lines, **kwargs).select("line_number", "reason").collect()
    return [r.reason for r in sorted(rows, key=lambda r: r.line_number)]


def test_a_good_line_is_staged_with_every_column(spark):
    staged = staged_rows(parse(spark, [envelope(GOOD, dup=True)]), RUN)

    expected = spark.createDataFrame(
        [("solar-a-poa-1", "solar-a", datetime(2026, 6, 21, 10, 15, 30, 250000), 812.5, "W/m2", 7, TOPIC, 1,
          True, datetime(2026, 6, 21, 10, 15, 31), FILE, 1, RUN, date(2026, 6, 21))],
        STAGING_IOT_TELEMETRY.schema,
    )  # fmt: skip
    assert_df_equality(staged, expected, ignore_nullable=True, ignore_metadata=True)


ACCEPTED_TS = (
    ("2026-06-21T10:15:30.250Z", datetime(2026, 6, 21, 10, 15, 30, 250000)),
    ("2026-06-21T12:15:30+02:00", datetime(2026, 6, 21, 10, 15, 30)),
    ("2026-06-21T05:15:30.5-05:00", datetime(2026, 6, 21, 10, 15, 30, 500000)),
    ("2026-06-21T10:15:30.123456789Z", datetime(2026, 6, 21, 10, 15, 30, 123000)),  # cut to ms
    (1782036930250, datetime(2026, 6, 21, 10, 15, 30, 250000)),  # epoch milliseconds
)


def test_iso_with_offset_or_z_and_epoch_ms_give_the_utc_instant_at_ms(spark):
    lines = [envelope(payload(ts=ts)) for ts, _ in ACCEPTED_TS]

    rows = staged_rows(parse(spark, lines), RUN).collect()

    assert sorted((r.line_number, r.ts_utc) for r in rows) == [
        (i + 1, expected) for i, (_, expected) in enumerate(ACCEPTED_TS)
    ]


BAD_TS = (
    "2026-06-21T10:15:30",  # no offset: not accepted by the contract
    "2026-06-21T10:15:30.250",
    "2026-06-21 10:15:30Z",
    "2026-02-30T10:15:30Z",  # no such day
    "1782036930250",  # epoch ms as a string
    1782036930.25,  # not an integer
    -1,
    True,
    {"iso": "2026-06-21T10:15:30Z"},
)


def test_unreadable_timestamps_are_bad_timestamp(spark):
    lines = [envelope(payload(ts=ts)) for ts in BAD_TS]

    assert reasons(spark, lines) == ["bad_timestamp"] * len(BAD_TS)


def test_future_timestamp_is_judged_against_received_at_plus_max_future_s(spark):
    lines = [
        envelope(payload(ts="2026-06-21T10:20:31.000Z")),  # exactly 300 s after received_at: accepted
        envelope(payload(ts="2026-06-21T10:20:31.001Z")),
        envelope(payload(ts="2026-06-21T10:16:31.001Z")),
    ]

    assert reasons(spark, lines) == ["", "future_timestamp", ""]
    assert reasons(spark, lines, max_future_s=60) == [
        "future_timestamp",
        "future_timestamp",
        "future_timestamp",
    ]


VALUES = (
    (None, ""),  # null = no reading: staged
    (0, ""),
    (1500, ""),  # the bounds are inside
    (1500.0001, "out_of_range"),
    (-0.5, "out_of_range"),
    (True, "non_numeric_value"),
    ("812.5", "non_numeric_value"),
    ([812.5], "non_numeric_value"),
    ({"v": 1}, "non_numeric_value"),
    (..., "missing_field:value"),
)


def test_value_must_be_a_json_number_or_null_within_the_registry_range(spark):
    lines = [envelope(payload(value=value)) for value, _ in VALUES]

    assert reasons(spark, lines) == [reason for _, reason in VALUES]


def test_a_null_value_is_staged_as_no_reading(spark):
    row = staged_rows(parse(spark, [envelope(payload(value=None))]), RUN).first()

    assert (row.sensor_id, row.value, row.seq) == ("solar-a-poa-1", None, 7)


FIELD_FAULTS = (
    ({"sensor_id": ...}, "missing_field:sensor_id"),
    ({"sensor_id": None}, "missing_field:sensor_id"),
    ({"sensor_id": 5}, "missing_field:sensor_id"),
    ({"ts": ...}, "missing_field:ts"),
    ({"ts": None}, "missing_field:ts"),
    ({"unit": ...}, "missing_field:unit"),
    ({"seq": ...}, "missing_field:seq"),
    ({"seq": "7"}, "missing_field:seq"),
    ({"seq": 7.5}, "missing_field:seq"),
    ({"sensor_id": "nobody-1"}, "unknown_sensor"),
    ({"unit": "kW"}, "unit_mismatch"),
    (
        {"sensor_id": "solar-a-temp-1", "value": 40, "unit": "degC"},
        "topic_mismatch",
    ),  # topic names the poa sensor
)


def test_each_field_fault_has_its_reason(spark):
    lines = [envelope(payload(**changes)) for changes, _ in FIELD_FAULTS]

    assert reasons(spark, lines) == [reason for _, reason in FIELD_FAULTS]


def test_topic_must_name_the_registry_site_and_the_payload_sensor(spark):
    lines = [
        envelope(GOOD, topic="sensors/solar-b/solar-a-poa-1"),
        envelope(GOOD, topic="sensors/solar-a/solar-a-temp-1"),
        envelope(GOOD, topic="plant-1/sensors/solar-a/solar-a-poa-1"),  # a prefix is fine
        envelope(GOOD, topic="solar-a-poa-1"),
    ]

    assert reasons(spark, lines) == ["topic_mismatch", "topic_mismatch", "", "topic_mismatch"]


MALFORMED = (
    envelope('{"sensor_id": "solar-a-poa-1", "ts": '),  # torn payload
    envelope("[1, 2]"),  # JSON, not an object
    envelope("812.5"),
    envelope('{"sensor_id": "a", "sensor_id": "b"}'),  # duplicate key: ambiguous
    '{"topic": "sensors/solar-a/solar-a-poa-1", "payload": "{}", "recei',  # torn landing line
    "",
    json.dumps({"topic": TOPIC, "payload": json.dumps(GOOD)}),  # envelope without received_at
    envelope(GOOD, received_at="2026-06-21T10:15:31"),  # received_at without offset
)


def test_unparsable_json_is_malformed_json_and_nothing_else(spark):
    assert reasons(spark, list(MALFORMED)) == ["malformed_json"] * len(MALFORMED)


def test_base64_payloads_are_decoded_or_not_utf8(spark):
    good_b64 = base64.b64encode(json.dumps(GOOD).encode()).decode()
    latin1 = base64.b64encode('{"sensor_id": "solar-a-poa-1", "unit": "\xb0C"}'.encode("latin-1")).decode()
    lines = [
        envelope(good_b64, payload_encoding="base64"),
        envelope(latin1, payload_encoding="base64"),
        envelope(base64.b64encode(b"\xff\xfe\x00").decode(), payload_encoding="base64"),
        envelope(base64.b64encode(b"not json").decode(), payload_encoding="base64"),
    ]

    assert reasons(spark, lines) == ["", "not_utf8", "not_utf8", "malformed_json"]


def test_every_applicable_reason_in_the_documented_order(spark):
    lines = [
        envelope(payload(ts="2026-06-21T10:15:30", value="high", unit=..., seq=...)),
        envelope(payload(ts="2027-01-01T00:00:00Z", value=-3, unit="kW"), topic="sensors/x/y"),
        envelope(payload(ts="2027-01-01T00:00:00Z", value=2000), topic="sensors/x/y"),
        envelope(payload(sensor_id="nobody", ts=True, value=True)),
        envelope(payload(sensor_id=..., value=99999)),
    ]

    assert reasons(spark, lines) == [
        "missing_field:unit;missing_field:seq;bad_timestamp;non_numeric_value",
        # out_of_range is judged only for a unit that matches the registry's
        "topic_mismatch;future_timestamp;unit_mismatch",
        "topic_mismatch;future_timestamp;out_of_range",
        # an unknown sensor: no topic, unit or range judgement
        "unknown_sensor;bad_timestamp;non_numeric_value",
        "missing_field:sensor_id",
    ]


def test_quarantine_rows_keep_the_raw_line_and_what_could_be_read(spark):
    lines = [
        envelope(payload(value=2000)),
        envelope(payload(sensor_id="nobody")),
        "{torn",
        envelope(GOOD),
    ]

    quarantined = quarantined_rows(parse(spark, lines), RUN, NOW)

    ts = datetime(2026, 6, 21, 10, 15, 30, 250000)
    received = datetime(2026, 6, 21, 10, 15, 31)
    expected = spark.createDataFrame(
        [
            ("solar-a-poa-1", "solar-a", ts, 2000.0, "W/m2", 7, TOPIC, 1, False, received, FILE, 1, RUN,
             date(2026, 6, 21), lines[0], "out_of_range", NOW),
            ("nobody", None, ts, 812.5, "W/m2", 7, TOPIC, 1, False, received, FILE, 2, RUN,
             date(2026, 6, 21), lines[1], "unknown_sensor", NOW),
            (None, None, None, None, None, None, None, None, None, None, FILE, 3, RUN, None, "{torn",
             "malformed_json", NOW),
        ],
        QUARANTINE_STAGING_IOT_TELEMETRY.schema,
    )  # fmt: skip
    assert_df_equality(
        quarantined, expected, ignore_nullable=True, ignore_metadata=True, ignore_row_order=True
    )


def test_every_line_is_staged_or_quarantined_exactly_once(spark):
    lines = [envelope(payload(seq=i, value=float(i))) for i in range(5)] + ["x", envelope(payload(unit="kW"))]
    parsed = parse(spark, lines)

    staged = staged_rows(parsed, RUN).select("line_number").collect()
    quarantined = quarantined_rows(parsed, RUN, NOW).select("line_number").collect()

    assert sorted(r.line_number for r in staged) == [1, 2, 3, 4, 5]
    assert sorted(r.line_number for r in quarantined) == [6, 7]
