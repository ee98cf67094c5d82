"""`tables.append_rows` and `tables.replace_rows`: the jobs' small writes (run records, quality evidence,
change-feed offsets). delta-rs commits them on a local root, Spark on a URI root or when configured;
both writers leave the same rows, the table Spark created from its spec, and a log each can read after
the other (checkpoints included)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from deltalake import DeltaTable

from common import tables
from common.config import ConfigError, deep_merge
from schemas import JOB_RUNS

STARTED = datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)
FINISHED = datetime(2026, 10, 25, 1, 31, 7, tzinfo=timezone.utc)


def with_writer(config, writer: str):
    return replace(config, settings=deep_merge(config.settings, {"delta": {"small_writes": writer}}))


def record(run_id: str, status: str, finished=None, rows_in=None) -> dict:
    return {
        "run_id": run_id,
        "job": "cdc.price",
        "started_at": STARTED,
        "finished_at": finished,
        "status": status,
        "rows_in": rows_in,
    }


def stored(spark, config) -> list[tuple]:
    df = tables.read_table(spark, config, JOB_RUNS)
    return sorted(df.select("run_id", "status", "started_at", "finished_at", "rows_in").collect())


def committers(config) -> list[str]:
    """Who made each commit after the table's creation: delta-rs or Spark, from the commit info."""
    history = DeltaTable(tables.spec_path(config, JOB_RUNS)).history()
    made_by = ["delta-rs" if "clientVersion" in c else "spark" for c in reversed(history)]
    return made_by[1:]


def test_auto_means_delta_rs_on_a_local_root_and_spark_on_a_uri_root_or_databricks(lakehouse, monkeypatch):
    assert tables.small_writer(lakehouse) == "delta-rs"
    with monkeypatch.context() as databricks:  # a /Volumes/… root looks local there
        databricks.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
        assert tables.small_writer(lakehouse) == "spark"
    assert tables.small_writer(with_writer(lakehouse, "spark")) == "spark"
    on_adls = deep_merge(lakehouse.settings, {"lakehouse_root": "abfss://lake@acct.dfs.core.windows.net/x"})
    assert tables.small_writer(replace(lakehouse, settings=on_adls)) == "spark"
    with pytest.raises(
        ConfigError, match=r"delta.small_writes is 'rust'; expected one of \['auto', 'spark'\]"
    ):
        tables.small_writer(with_writer(lakehouse, "rust"))


@pytest.mark.parametrize("writer", ["delta-rs", "spark"])
def test_rows_appended_then_replaced_by_key(spark, lakehouse, writer):
    config = lakehouse if writer == "delta-rs" else with_writer(lakehouse, "spark")
    quoted = "it's-a-run"  # a quote in a key: each writer's SQL literal escapes it its own way
    tables.append_rows(spark, config, JOB_RUNS, [record("a", "running"), record(quoted, "running")])
    tables.replace_rows(spark, config, JOB_RUNS, [record(quoted, "succeeded", FINISHED, 96)])
    # A key not in the table yet is inserted; an empty write commits nothing.
    tables.replace_rows(spark, config, JOB_RUNS, [record("b", "failed", FINISHED)])
    tables.replace_rows(spark, config, JOB_RUNS, [])

    naive = lambda t: t.replace(tzinfo=None)  # noqa: E731 - Spark returns session-zone (UTC) naive times
    assert stored(spark, config) == [
        ("a", "running", naive(STARTED), None, None),
        ("b", "failed", naive(STARTED), naive(FINISHED), None),
        (quoted, "succeeded", naive(STARTED), naive(FINISHED), 96),
    ]
    assert committers(config) == [writer] * 3

    # The table is the one its spec declares, whoever wrote first: Spark created it with its comments.
    fields = {f.name: f for f in tables.read_table(spark, config, JOB_RUNS).schema.fields}
    assert fields["finished_at"].metadata["comment"] == "UTC end; null while running or if killed"
    assert not fields["run_id"].nullable


@pytest.mark.parametrize("writer", ["delta-rs", "spark"])
def test_small_reads_find_rows_by_column_values_and_the_latest_version(spark, lakehouse, writer):
    config = lakehouse if writer == "delta-rs" else with_writer(lakehouse, "spark")
    assert tables.read_rows(spark, config, JOB_RUNS, {"run_id": "a"}) == []  # created from its spec
    created = tables.current_version(spark, config, JOB_RUNS)
    tables.append_rows(spark, config, JOB_RUNS, [record("a", "running"), record("it's", "failed", FINISHED)])

    found = tables.read_rows(spark, config, JOB_RUNS, {"run_id": "it's", "status": "failed"})
    assert [(r["run_id"], r["job"], r["rows_in"]) for r in found] == [("it's", "cdc.price", None)]
    assert tables.read_rows(spark, config, JOB_RUNS, {"run_id": "it's", "status": "running"}) == []
    assert len(tables.read_rows(spark, config, JOB_RUNS, {})) == 2
    assert tables.current_version(spark, config, JOB_RUNS) == created + 1


@pytest.mark.parametrize("writer", ["delta-rs", "spark"])
def test_an_append_with_a_transaction_is_written_once(spark, lakehouse, writer):
    config = lakehouse if writer == "delta-rs" else with_writer(lakehouse, "spark")
    tables.append_rows(spark, config, JOB_RUNS, [record("a", "running")], txn=("batch-app", 3))
    tables.append_rows(spark, config, JOB_RUNS, [record("a", "running")], txn=("batch-app", 3))  # replay
    tables.append_rows(spark, config, JOB_RUNS, [record("b", "running")], txn=("batch-app", 2))  # older
    tables.append_rows(spark, config, JOB_RUNS, [record("c", "running")], txn=("batch-app", 4))
    tables.append_rows(spark, config, JOB_RUNS, [record("d", "running")], txn=("other-app", 0))
    tables.append_rows(spark, config, JOB_RUNS, [record("d", "running")], txn=("other-app", 0))  # batch 0
    assert [r[0] for r in stored(spark, config)] == ["a", "c", "d"]


def test_a_delta_rs_commit_that_loses_a_race_is_retried_under_retry_conflicts(spark, lakehouse, monkeypatch):
    import deltalake
    from deltalake.exceptions import CommitFailedError

    write, failures = deltalake.write_deltalake, []

    def lose_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise CommitFailedError("Transaction failed: version already exists")
        return write(*args, **kwargs)

    monkeypatch.setattr(deltalake, "write_deltalake", lose_once)
    tables.append_rows(spark, lakehouse, JOB_RUNS, [record("a", "running")])
    assert failures == [1]
    assert [r[0] for r in stored(spark, lakehouse)] == ["a"]


def test_spark_and_delta_rs_read_each_others_commits_and_checkpoints(spark, lakehouse):
    spark_config = with_writer(lakehouse, "spark")
    # 105 delta-rs commits (it checkpoints every 100), then Spark commits (every 10th checkpoints).
    for n in range(105):
        tables.append_rows(spark, lakehouse, JOB_RUNS, [record(f"rs-{n:03}", "running")])
    for n in range(6):
        tables.append_rows(spark, spark_config, JOB_RUNS, [record(f"spark-{n}", "running")])
    tables.replace_rows(spark, lakehouse, JOB_RUNS, [record("spark-5", "succeeded", FINISHED)])
    tables.replace_rows(spark, spark_config, JOB_RUNS, [record("rs-000", "succeeded", FINISHED)])

    path = tables.spec_path(lakehouse, JOB_RUNS)
    checkpoints = sorted(p.name for p in (Path(path) / "_delta_log").glob("*.checkpoint.parquet"))
    assert checkpoints == [
        f"{v:020}.checkpoint.parquet" for v in (99, 110)
    ]  # delta-rs (its 100th version), Spark
    by_spark = {r.run_id: r.status for r in tables.read_table(spark, lakehouse, JOB_RUNS).collect()}
    rows = DeltaTable(path).to_pyarrow_table(columns=["run_id", "status"]).to_pylist()
    by_delta_rs = {r["run_id"]: r["status"] for r in rows}
    assert by_spark == by_delta_rs
    assert len(by_spark) == 111
    assert by_spark["rs-000"] == by_spark["spark-5"] == "succeeded"
