"""The IoT gold jobs (jobs/transform/sensor_readings_1min.py, sensor_quality_hourly.py) on inline staged
rows and quarantined lines, merged into cdc by the real cdc job: 1-minute statistics and every quality
column against values computed here from the inline readings (a silent hour, a copy, a late and an
out-of-range reading, a minute of only null values, an hour that becomes complete later); a second
batch recomputed incrementally equals a full rebuild; the chain run again with nothing new changes no
table. One lakehouse for the module: the phases build on each other (13 job runs)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from common import tables
from common.config import load_config
from common.incremental import UtcHours, UtcMinutes, period_ranges
from jobs.cdc import iot_telemetry as cdc_job
from jobs.staging import iot_telemetry as staging_job
from jobs.transform import sensor_quality_hourly as quality_job
from jobs.transform import sensor_readings_1min as minutes_job
from schemas import (
    CDC_IOT_TELEMETRY,
    QUARANTINE_STAGING_IOT_TELEMETRY,
    SENSOR_QUALITY_HOURLY,
    SENSOR_READINGS_1MIN,
    STAGING_IOT_TELEMETRY,
)

pytestmark = pytest.mark.iot

ENV = ["--env", "test"]
T, M = "solar-a-tmod-1", "solar-a-tamb-1"  # conf/iot/sensors.yaml: site solar-a, every 60 s, degC
SITE, EXPECTED_PER_HOUR = "solar-a", 60
LATE_AFTER = timedelta(seconds=300)  # conf iot.late_after_s


def t(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 6, 21, hour, minute, second)


class Batch:
    """Inline staging rows and quarantined lines of one landing batch."""

    def __init__(self, name: str) -> None:
        self.name, self.staged, self.quarantined = name, [], []

    def stage(self, sensor: str, ts: datetime, value: float | None, delay_s: float = 2.0, seq: int = 0):
        self.staged.append(
            {
                "sensor_id": sensor, "site_id": SITE, "ts_utc": ts, "value": value, "unit": "degC",
                "seq": seq, "topic": f"sensors/{SITE}/{sensor}", "qos": 1, "dup": False,
                "received_at": ts + timedelta(seconds=delay_s), "source_file": f"{self.name}.jsonl",
                "line_number": len(self.staged) + 1, "run_id": f"staging-{self.name}", "ts_date": ts.date(),
            }
        )  # fmt: skip

    def quarantine(self, sensor: str | None, ts: datetime | None, reason: str) -> None:
        self.quarantined.append(
            {
                "sensor_id": sensor, "ts_utc": ts, "ts_date": ts.date() if ts else None,
                "raw_line": f'{{"sensor_id": "{sensor}"}}', "reason": reason,
                "run_id": f"staging-{self.name}", "quarantined_at": t(23, 0),
                "source_file": f"{self.name}.jsonl", "line_number": 1000 + len(self.quarantined),
            }
        )  # fmt: skip

    def write(self, spark, config) -> None:
        tables.append(
            spark, config, STAGING_IOT_TELEMETRY, tables.rows_to_df(spark, STAGING_IOT_TELEMETRY, self.staged)
        )
        quarantine = tables.rows_to_df(spark, QUARANTINE_STAGING_IOT_TELEMETRY, self.quarantined)
        tables.append(spark, config, QUARANTINE_STAGING_IOT_TELEMETRY, quarantine)


def first_batch() -> Batch:
    b = Batch("b1")
    for minute in range(60):  # T, hour 10: one reading a minute, with faults
        if minute == 5:
            b.stage(T, t(10, 5), None)  # a minute of only null values
        elif minute == 20:
            b.stage(T, t(10, 20), 20.0, delay_s=600)  # late
        else:
            b.stage(T, t(10, minute), float(minute))
    b.stage(T, t(10, 7, 30), 8.0)  # a second reading in minute 7
    b.stage(T, t(10, 30), 30.0, delay_s=3)  # a copy (QoS 1 redelivery)
    b.quarantine(T, t(10, 45, 30), "out_of_range")
    b.quarantine(T, t(10, 50, 30), "unit_mismatch;out_of_range")
    b.quarantine(T, t(10, 55, 30), "unit_mismatch")  # another reason: not counted
    b.quarantine(None, None, "malformed_json")
    # T, hour 11: silent. Hour 12: half the readings.
    for minute in range(30):
        b.stage(T, t(12, minute), 100.0 + minute)
    b.stage(M, t(12, 0), 21.0)
    b.stage(M, t(13, 0), 22.0)  # the site's latest hour: 13 is not complete yet
    return b


def second_batch() -> Batch:
    b = Batch("b2")
    b.stage(T, t(10, 10), 50.0, delay_s=30, seq=1)  # a revision of 10:10
    for minute in range(30, 40):
        b.stage(T, t(12, minute), 100.0 + minute)
    b.quarantine(T, t(12, 50, 30), "out_of_range")
    b.stage(M, t(14, 5), 23.0)  # hour 13 becomes complete (silent for T)
    return b


# --- what the tables must hold, computed here from the inline rows ---


def expected_cdc(staged: list[dict]) -> dict[tuple, tuple]:
    """(sensor, ts) -> (value, received_at): the latest received non-null value, else null."""
    by_key = defaultdict(list)
    for row in staged:
        by_key[(row["sensor_id"], row["ts_utc"])].append(row)
    result = {}
    for key, rows in by_key.items():
        valued = [r for r in rows if r["value"] is not None]
        if not valued:
            result[key] = (None, max(r["received_at"] for r in rows))
            continue
        value = max(valued, key=lambda r: (r["received_at"], r["seq"]))["value"]
        result[key] = (value, max(r["received_at"] for r in valued if r["value"] == value))
    return result


def expected_minutes(cdc: dict[tuple, tuple]) -> dict[tuple, tuple]:
    minutes = defaultdict(list)
    for (sensor, ts), (value, _) in cdc.items():
        minutes[(sensor, ts.replace(second=0))].append(value)
    result = {}
    for key, values in minutes.items():
        vs = [v for v in values if v is not None]
        result[key] = (sum(vs) / len(vs), min(vs), max(vs), len(vs)) if vs else (None, None, None, 0)
    return result


def expected_hours(
    cdc: dict[tuple, tuple], staged: list[dict], quarantined: list[dict]
) -> dict[tuple, tuple]:
    """(sensor, hour) -> (received, completeness, duplicates, out_of_range, late, score)."""

    def hour(ts: datetime) -> datetime:
        return ts.replace(minute=0, second=0)

    site_end = max(hour(ts) for (_, ts) in cdc)  # one site
    result = {}
    for sensor in {s for s, _ in cdc}:
        h = min(hour(ts) for s, ts in cdc if s == sensor)
        while h < site_end:
            valued = [
                (ts, v, rcv)
                for (s, ts), (v, rcv) in cdc.items()
                if s == sensor and hour(ts) == h and v is not None
            ]
            copies = [r["ts_utc"] for r in staged if r["sensor_id"] == sensor and hour(r["ts_utc"]) == h]
            oor = sum(
                1 for q in quarantined
                if q["sensor_id"] == sensor and q["ts_utc"] and hour(q["ts_utc"]) == h
                and "out_of_range" in q["reason"].split(";")
            )  # fmt: skip
            late = sum(1 for ts, _, rcv in valued if rcv - ts > LATE_AFTER)
            received = len(valued)
            completeness = min(1.0, received / EXPECTED_PER_HOUR)
            oor_share = oor / (received + oor) if received + oor else 0.0
            late_share = late / received if received else 0.0
            score = completeness * (1 - 0.5 * oor_share) * (1 - 0.25 * late_share)
            result[(sensor, h)] = (received, completeness, len(copies) - len(set(copies)), oor, late, score)
            h += timedelta(hours=1)
    return result


def minutes_table(spark, config) -> dict[tuple, tuple]:
    rows = tables.read_table(spark, config, SENSOR_READINGS_1MIN).collect()
    assert all(r.site_id == SITE and r.date_utc == r.minute_utc.date() for r in rows)
    return {
        (r.sensor_id, r.minute_utc): (r.mean_value, r.min_value, r.max_value, r.sample_count) for r in rows
    }


def hours_table(spark, config) -> dict[tuple, tuple]:
    rows = tables.read_table(spark, config, SENSOR_QUALITY_HOURLY).collect()
    assert all(r.site_id == SITE and r.expected_samples == EXPECTED_PER_HOUR for r in rows)
    return {
        (r.sensor_id, r.hour_utc): (
            r.received_samples, r.completeness, r.duplicate_count, r.out_of_range_count, r.late_count,
            r.quality_score,
        )
        for r in rows
    }  # fmt: skip


def assert_close(actual: dict, expected: dict) -> None:
    """Same keys; numbers equal within 1e-12 relative (sums may add up in another order), nulls null."""
    assert actual.keys() == expected.keys()
    for key, values in expected.items():
        assert len(actual[key]) == len(values), key
        for got, want in zip(actual[key], values, strict=True):
            assert got == (want if want is None else pytest.approx(want, rel=1e-12)), (
                key,
                actual[key],
                values,
            )


def run_gold(*extra: str) -> None:
    minutes_job.main([*ENV, *extra])
    quality_job.main([*ENV, *extra])


def versions(spark, config) -> dict[str, int]:
    specs = (STAGING_IOT_TELEMETRY, QUARANTINE_STAGING_IOT_TELEMETRY, CDC_IOT_TELEMETRY, SENSOR_READINGS_1MIN,
             SENSOR_QUALITY_HOURLY)  # fmt: skip
    return {s.full_name: tables.current_version(spark, config, s) for s in specs}


@pytest.fixture(scope="module")
def phases(spark, tmp_path_factory):
    """Runs the phases once; returns what each test checks."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAKEHOUSE_ROOT", str(tmp_path_factory.mktemp("iot_gold") / "lakehouse"))
        config = load_config("test")
        out = {"config": config}
        b1, b2 = first_batch(), second_batch()
        b1.write(spark, config)
        cdc_job.main(ENV)
        run_gold()
        out["first"] = (minutes_table(spark, config), hours_table(spark, config))
        out["first_expected"] = b1
        b2.write(spark, config)
        cdc_job.main(ENV)
        run_gold()
        out["incremental"] = (minutes_table(spark, config), hours_table(spark, config))
        out["expected"] = (b1, b2)
        run_gold("--full-refresh")
        out["full"] = (minutes_table(spark, config), hours_table(spark, config))
        # The whole chain again with nothing new (the staging job finds no landing files).
        Path(config.lakehouse_root, "landing", "iot").mkdir(parents=True, exist_ok=True)
        staging_job.main(ENV)
        before = versions(spark, config)
        staging_job.main(ENV)
        cdc_job.main(ENV)
        run_gold()
        out["versions"] = (before, versions(spark, config))
        yield out


def test_first_batch_minute_statistics_and_quality_columns(phases):
    b1 = phases["first_expected"]
    cdc = expected_cdc(b1.staged)
    minutes, hours = phases["first"]
    assert_close(minutes, expected_minutes(cdc))
    assert minutes[(T, t(10, 5))] == (None, None, None, 0)  # only a null reading
    assert minutes[(T, t(10, 7))] == (7.5, 7.0, 8.0, 2)
    assert_close(hours, expected_hours(cdc, b1.staged, b1.quarantined))
    # T: hours 10, 11 (silent), 12; M: hour 12. Hour 13 (the site's latest) is not complete.
    assert sorted(hours) == [(M, t(12, 0)), (T, t(10, 0)), (T, t(11, 0)), (T, t(12, 0))]
    assert hours[(T, t(11, 0))] == (0, 0.0, 0, 0, 0, 0.0)
    received, completeness, duplicates, out_of_range, late, _ = hours[(T, t(10, 0))]
    assert (received, completeness, duplicates, out_of_range, late) == (59 + 1, 1.0, 1, 2, 1)


def test_incremental_second_batch_equals_expected_and_a_full_rebuild(phases):
    b1, b2 = phases["expected"]
    staged, quarantined = b1.staged + b2.staged, b1.quarantined + b2.quarantined
    cdc = expected_cdc(staged)
    minutes, hours = phases["incremental"]
    assert_close(minutes, expected_minutes(cdc))
    assert minutes[(T, t(10, 10))] == (50.0, 50.0, 50.0, 1)  # the revision
    assert_close(hours, expected_hours(cdc, staged, quarantined))
    # Hour 13 became complete: T silent, M one reading.
    assert hours[(T, t(13, 0))][:1] == (0,) and hours[(M, t(13, 0))][:1] == (1,)
    assert hours[(T, t(12, 0))][0] == 40 and hours[(T, t(12, 0))][3] == 1
    full_minutes, full_hours = phases["full"]
    assert_close(full_minutes, minutes)
    assert_close(full_hours, hours)


def test_chain_run_again_with_nothing_new_changes_no_table(phases):
    before, after = phases["versions"]
    assert after == before


def test_merge_predicate_names_the_time_ranges_and_date_partitions_of_the_units():
    units = {t(23, 58), t(23, 59), datetime(2026, 6, 22, 0, 0), t(10, 0)}  # three adjacent across midnight

    predicate = UtcMinutes("minute_utc", "date_utc").predicate(units, alias="t")

    def between(lo: str, hi: str) -> str:
        return f"(t.minute_utc >= TIMESTAMP'{lo}.000000' AND t.minute_utc < TIMESTAMP'{hi}.000000')"

    assert predicate == (
        "t.date_utc IN (DATE'2026-06-21', DATE'2026-06-22') AND ("
        + between("2026-06-21 10:00:00", "2026-06-21 10:01:00")
        + " OR "
        + between("2026-06-21 23:58:00", "2026-06-22 00:01:00")
        + ")"
    )
    assert UtcHours().predicate(set()) == "false"
    # Beyond max_ranges, one range from the first unit to the end of the last.
    hours = {t(h, 0) for h in range(0, 24, 2)}
    assert period_ranges(hours, timedelta(hours=1), max_ranges=3) == [
        (t(0, 0).replace(tzinfo=timezone.utc), t(23, 0).replace(tzinfo=timezone.utc))
    ]
