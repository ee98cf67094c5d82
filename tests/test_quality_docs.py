"""Data Docs of the quality runs: the latest run of each table, rebuilt from quality/results, rendered by
Great Expectations into a local folder; a lakehouse without results gets an error saying what to do."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

import pytest
from delta.tables import DeltaTable

from common import tables
from common.quality import check, write_outcome
from schemas import QUALITY_RESULTS, STAGING_PRICE
from scripts import quality_docs

JOB = "staging.price"
OLD_RUN, OLD_NOW = "20261025T060000Z-old00000", datetime(2026, 10, 25, 6, 0)
NEW_RUN, NEW_NOW = "20261026T060000Z-new00000", datetime(2026, 10, 26, 6, 0)
FETCHED = datetime(2026, 10, 26, 5, 0)
CDC_RUN = "20261020T070000Z-cdc00000"


def ts(day, minute=0):
    return datetime(2026, 10, day, 0, minute)


def price(start, price_eur_mwh, unit="EUR/MWh", run_id=NEW_RUN):
    return ("DE-LU", start, price_eur_mwh, unit, 15, FETCHED, run_id, date(2026, 10, 1))


def evaluate(spark, config, rows, run_id, now):
    """Run the staging/price suite on the rows and store its results, as a job does."""
    ddl = ", ".join(f"{f.name} {f.dataType.simpleString()}" for f in STAGING_PRICE.schema.fields)
    df = spark.createDataFrame(rows, ddl).cache()
    outcome = check(df, STAGING_PRICE, run_id=run_id, job=JOB, now=now, config=config)
    write_outcome(spark, config, STAGING_PRICE, outcome)
    return outcome


def stored(expectation, severity, success, element_count, unexpected_count, sample):
    """A quality/results row of a cdc/price run, as written without evaluating anything."""
    return {
        "run_id": CDC_RUN,
        "job": "cdc.price",
        "table": "cdc/price",
        "expectation": expectation,
        "severity": severity,
        "success": success,
        "element_count": element_count,
        "unexpected_count": unexpected_count,
        "unexpected_sample": json.dumps(sample),
        "evaluated_at": datetime(2026, 10, 20, 7, 0),
    }


def test_docs_show_the_latest_run_of_each_table_with_its_failing_expectations(
    spark, lakehouse, tmp_path, caplog, capsys
):
    # staging/price: the older run only broke the unit (a warning); the latest has an out-of-range price.
    evaluate(spark, lakehouse, [price(ts(24), 85.2, unit="EUR/kWh", run_id=OLD_RUN)], OLD_RUN, OLD_NOW)
    latest = evaluate(spark, lakehouse, [price(ts(25), 85.2), price(ts(25, 15), 4000.01)], NEW_RUN, NEW_NOW)
    # cdc/price, stored as a job stores it: a check GX could not evaluate, a query check that found a
    # row, and a check since removed from the suite file.
    cdc_rows = [
        stored("key_unique", "error", False, None, None, {"error": "column ts_utc not found"}),
        stored("no_gap_over_4_intervals", "warning", False, None, 1, [{"ts_utc": "2026-10-19 12:00:00"}]),
        stored("retired_check", "warning", False, 4, 1, ["x"]),
    ]
    tables.append(spark, lakehouse, QUALITY_RESULTS, tables.rows_to_df(spark, QUALITY_RESULTS, cdc_rows))

    with caplog.at_level(logging.WARNING, logger="great_expectations"):
        index = quality_docs.build_data_docs(spark, lakehouse, tmp_path / "docs")

    assert index == (tmp_path / "docs" / "index.html").resolve()
    assert index.is_file()
    pages = {p.relative_to(index.parent).parts[1:4]: p for p in index.parent.glob("validations/**/*.html")}
    assert set(pages) == {("staging", "price", NEW_RUN), ("cdc", "price", CDC_RUN)}
    staging_page = pages["staging", "price", NEW_RUN].read_text(encoding="utf-8")
    assert "staging/price" in staging_page and JOB in staging_page
    failed = [r["expectation"] for r in latest.results if not r["success"]]
    assert failed == ["price_within_harmonised_limits"]
    for name in [*failed, "unit_is_eur_per_mwh"]:  # every expectation is listed, by its suite name
        assert f">{name}</div>" in staging_page, name
    assert "4000.01" in staging_page  # the stored sample of the failing price
    cdc_page = pages["cdc", "price", CDC_RUN].read_text(encoding="utf-8")
    for name in ("key_unique", "no_gap_over_4_intervals", "retired_check"):
        assert f">{name}</div>" in cdc_page, name
    assert "column ts_utc not found" in cdc_page  # why GX could not evaluate key_unique
    assert "2026-10-19 12:00:00" in cdc_page  # the sample row the gap query found
    assert "retired_check: no longer in" in cdc_page
    site = "".join(p.read_text(encoding="utf-8") for p in [index, *pages.values()])
    assert NEW_RUN in site and OLD_RUN not in site
    # GX logs, rather than raises, whatever it fails to render.
    assert not [r for r in caplog.records if r.name.startswith("great_expectations")], caplog.text

    # The command line: the same site, its path printed; pages of an earlier build are replaced, other
    # files in the folder are left alone.
    stale = tmp_path / "cli" / "validations" / "staging" / "price" / OLD_RUN / "20261025T060000.000000Z"
    stale.mkdir(parents=True)
    (stale / "staging.price.html").write_text("stale", encoding="utf-8")
    (tmp_path / "cli" / "notes.txt").write_text("mine", encoding="utf-8")

    quality_docs.main(["--out", str(tmp_path / "cli")])

    assert capsys.readouterr().out.strip() == f"Data Docs: {(tmp_path / 'cli' / 'index.html').resolve()}"
    assert (tmp_path / "cli" / "validations" / "staging" / "price" / NEW_RUN).is_dir()
    assert not (stale / "staging.price.html").exists()
    assert (tmp_path / "cli" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_no_quality_results_says_to_run_a_job_first(spark, lakehouse, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^quality/results: no table at .*; run a job first"):
        quality_docs.build_data_docs(spark, lakehouse, tmp_path / "docs")

    # Looking did not create the table.
    assert not DeltaTable.isDeltaTable(spark, tables.spec_path(lakehouse, QUALITY_RESULTS))

    tables.ensure_table(spark, lakehouse, QUALITY_RESULTS)

    with pytest.raises(ValueError, match=r"^quality/results at .* is empty; run a job first"):
        quality_docs.build_data_docs(spark, lakehouse, tmp_path / "docs")

    assert not (tmp_path / "docs").exists()
