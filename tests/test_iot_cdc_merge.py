"""The generic CDC merge on cdc/iot_telemetry (received_at in the role of fetched_at): copies absorbed,
ties broken by seq then source file and line, revisions, nulls never overwriting, the same value again
only moving received_at, an older copy arriving late changing nothing."""

from __future__ import annotations

from datetime import datetime

from common import tables
from common.cdc import merge_cdc, prepare_batch
from schemas import CDC_IOT_TELEMETRY, STAGING_IOT_TELEMETRY

TS = datetime(2026, 6, 21, 10, 15, 30, 250000)
TS2 = datetime(2026, 6, 21, 10, 15, 40, 250000)
R1 = datetime(2026, 6, 21, 10, 15, 31)
R2 = datetime(2026, 6, 21, 10, 15, 45)
R3 = datetime(2026, 6, 21, 11, 0, 0)
RUN_1 = datetime(2026, 6, 21, 10, 16)
RUN_2 = datetime(2026, 6, 21, 10, 17)
RUN_3 = datetime(2026, 6, 21, 11, 1)
TOPIC = "sensors/solar-a/solar-a-poa-1"
FILE_A = "landing/iot/received_date=2026-06-21/part-20260621T101531Z-a.jsonl"
FILE_B = "landing/iot/received_date=2026-06-21/part-20260621T101531Z-b.jsonl"


def staged(spark, rows):
    """(ts_utc, value, seq, received_at, source_file, line_number) -> staging rows of solar-a-poa-1."""
    data = [
        ("solar-a-poa-1", "solar-a", ts, value, "W/m2", seq, TOPIC, 1, False, received, source_file, line,
         "run", ts.date())
        for ts, value, seq, received, source_file, line in rows
    ]  # fmt: skip
    return spark.createDataFrame(data, STAGING_IOT_TELEMETRY.schema)


def merge(spark, config, rows, run_ts):
    batch = prepare_batch(staged(spark, rows), CDC_IOT_TELEMETRY, run_ts)
    return merge_cdc(spark, config, CDC_IOT_TELEMETRY, batch)


def cdc_rows(spark, config):
    """{ts_utc: (value, seq, received_at, first_seen_at, updated_at)}"""
    return {
        r.ts_utc: (r.value, r.seq, r.received_at, r.first_seen_at, r.updated_at)
        for r in tables.read_table(spark, config, CDC_IOT_TELEMETRY).collect()
    }


def test_copies_in_a_batch_become_one_row_latest_received_then_seq_then_file_then_line(spark, lakehouse):
    metrics = merge(
        spark,
        lakehouse,
        [
            (TS, 10.0, 7, R1, FILE_A, 1),
            (TS, 11.0, 7, R2, FILE_A, 2),  # received later: wins
            (TS, None, 9, R3, FILE_A, 3),  # a null never wins over a value
            (TS2, 20.0, 8, R1, FILE_A, 4),
            (TS2, 21.0, 9, R1, FILE_A, 5),  # same receipt, higher seq: wins
            (TS2, 22.0, 9, R1, FILE_A, 6),  # same seq too: later line wins …
            (TS2, 23.0, 9, R1, FILE_B, 1),  # … but a later file wins over any line
        ],
        RUN_1,
    )

    assert cdc_rows(spark, lakehouse) == {
        TS: (11.0, 7, R2, RUN_1, RUN_1),
        TS2: (23.0, 9, R1, RUN_1, RUN_1),
    }
    assert metrics["num_inserted_rows"] == 2


def test_revision_null_and_same_value_again(spark, lakehouse):
    merge(spark, lakehouse, [(TS, 10.0, 7, R1, FILE_A, 1), (TS2, 20.0, 8, R1, FILE_A, 2)], RUN_1)

    # TS: a re-sent different value (revision); TS2: a later null (no reading) changes nothing.
    merge(spark, lakehouse, [(TS, 12.5, 10, R2, FILE_B, 1), (TS2, None, 11, R2, FILE_B, 2)], RUN_2)

    assert cdc_rows(spark, lakehouse) == {
        TS: (12.5, 10, R2, RUN_1, RUN_2),
        TS2: (20.0, 8, R1, RUN_1, RUN_1),
    }

    # The same value received again only moves received_at; an older copy arriving late changes nothing.
    metrics = merge(
        spark,
        lakehouse,
        [(TS, 12.5, 12, R3, FILE_B, 3), (TS2, 19.0, 3, R1.replace(second=0), FILE_B, 4)],
        RUN_3,
    )

    assert cdc_rows(spark, lakehouse) == {
        TS: (12.5, 10, R3, RUN_1, RUN_2),
        TS2: (20.0, 8, R1, RUN_1, RUN_1),
    }
    assert metrics["num_updated_rows"] == 1


def test_a_null_only_key_is_inserted_and_a_later_value_fills_it_and_reruns_change_nothing(spark, lakehouse):
    merge(spark, lakehouse, [(TS, None, 7, R1, FILE_A, 1)], RUN_1)
    merge(
        spark, lakehouse, [(TS, 10.0, 6, R1.replace(second=0), FILE_A, 2)], RUN_2
    )  # received earlier, still fills

    metrics = merge(spark, lakehouse, [(TS, 10.0, 6, R1.replace(second=0), FILE_A, 2)], RUN_3)

    assert cdc_rows(spark, lakehouse) == {TS: (10.0, 6, R1.replace(second=0), RUN_1, RUN_2)}
    assert (metrics["num_updated_rows"], metrics["num_inserted_rows"]) == (0, 0)
    assert [
        r.ts_date.isoformat() for r in tables.read_table(spark, lakehouse, CDC_IOT_TELEMETRY).collect()
    ] == ["2026-06-21"]
