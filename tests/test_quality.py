"""Quality suites and their runner: which rows each suite quarantines and why, which checks fail the
run and with what message, that warnings never block, and what quality/results and the quarantine hold."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime

import pytest
import yaml
from pyspark.sql import functions as F

from common import quality, tables
from common.cli import JobArgs
from common.config import conf_dir
from common.quality import QualityError, SuiteError, check, gate, load_suite, parse_suite, write_outcome
from common.runs import JobRun
from common.validate import ValidationError
from schemas import (
    ALL_TABLES,
    CDC_PRICE,
    CDC_PUBLIC_POWER,
    DAILY_PRODUCTION_TREND,
    JOB_RUNS,
    QUALITY_BATCHES,
    QUALITY_RESULTS,
    QUARANTINE_STAGING_PUBLIC_POWER,
    STAGING_PRICE,
    STAGING_PUBLIC_POWER,
    quarantine_spec,
)

RUN_ID = "20261026T060000Z-test"
JOB = "test.quality"
NOW = datetime(2026, 10, 26, 6, 0)
FETCHED = datetime(2026, 10, 26, 5, 0)
NAN, INF = float("nan"), float("inf")


def ts(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 10, day, hour, minute)


def frame(spark, spec, rows):
    """Rows as tuples of the spec's leading columns (the rest null), every column nullable."""
    ddl = ", ".join(f"{f.name} {f.dataType.simpleString()}" for f in spec.schema.fields)
    width = len(spec.column_names)
    return tables.conform(
        spark.createDataFrame([(*r, *([None] * (width - len(r)))) for r in rows], ddl), spec
    )


def run_check(df, spec, config):
    return check(df.cache(), spec, run_id=RUN_ID, job=JOB, now=NOW, config=config)


def results_by_name(outcome):
    return {r["expectation"]: r for r in outcome.results}


def quarantined(outcome, *columns):
    """{(values of columns, reason)} of the quarantined rows."""
    return {(tuple(row[c] for c in columns), row["reason"]) for row in outcome.quarantined_df.collect()}


def assert_gx_agrees_with_split(outcome):
    """For every error-level row expectation, GX's count is the number of rows quarantined for it."""
    reasons = [row["reason"].split("; ") for row in outcome.quarantined_df.select("reason").collect()]
    for expectation in outcome.suite.expectations:
        if expectation.quarantines:
            counted = results_by_name(outcome)[expectation.name]["unexpected_count"]
            assert counted == sum(expectation.name in r for r in reasons), expectation.name


# --- staging/public_power -------------------------------------------------------------------------


def power(country, series, start, value_mw, fetched=FETCHED):
    return (country, series, start, value_mw, fetched, RUN_ID, date(2026, 10, 1))


def test_staging_public_power_quarantines_each_bad_row_with_every_reason(spark, lakehouse, capsys):
    context_before = spark.sparkContext
    partitions_before = spark.conf.get("spark.sql.shuffle.partitions")
    good = [
        power("de", "Solar", ts(0), 0.0),
        power("de", "Wind onshore", ts(0, 15), 8000.5),
        power("de", "Hydro pumped storage consumption", ts(0), -4724.1),
        power("de", "Cross border electricity trading", ts(0), -8831.8),
        power("de", "Renewable share of Load", ts(0), 99.1),
        power("de", "Load", ts(0, 30), None),  # not yet published
    ]
    bad = [
        power(None, "Solar", ts(0), 1.0),
        power("de", None, ts(0), 1.0),
        power("de", "Solar", ts(0, 5), 1.0),
        power("de", "Wind offshore", ts(0), NAN),
        power("de", "Solar", ts(0, 10), INF),
        power("de", "Renewable share of generation", ts(0), 120.0),
        power("de", "Fossil gas", ts(0), -20000.0),
        power("de", "Load", ts(0, 45), 200000.0),
        power("de", "Residual load", ts(1), -20000.0),  # may be negative: only the 150 GW bound applies
    ]
    df = frame(spark, STAGING_PUBLIC_POWER, good + bad)

    outcome = run_check(df, STAGING_PUBLIC_POWER, lakehouse)

    # The split is a lazy Spark plan over the batch (a filter on the derived reason), not collected rows.
    outcome.quarantined_df.explain(mode="extended")
    assert "concat_ws(; " in capsys.readouterr().out
    assert quarantined(outcome, "country", "production_type", "ts_utc") == {
        ((None, "Solar", ts(0)), "country_not_null"),
        (("de", None, ts(0)), "production_type_not_null"),
        (("de", "Fossil gas", ts(0)), "production_at_least_minus_pumping_capacity"),
        (("de", "Load", ts(0, 45)), "power_within_150_gw"),
        (("de", "Renewable share of generation", ts(0)), "share_within_0_100"),
        (("de", "Solar", ts(0, 5)), "ts_utc_on_15_minute_grid"),
        (("de", "Solar", ts(0, 10)), "ts_utc_on_15_minute_grid; value_mw_finite; power_within_150_gw"),
        (("de", "Wind offshore", ts(0)), "value_mw_finite; power_within_150_gw"),
    }
    passed = {(r.production_type, r.ts_utc) for r in outcome.passed_df.collect()}
    assert passed == {(r[1], r[2]) for r in good} | {("Residual load", ts(1))}
    assert outcome.passed_df.columns == STAGING_PUBLIC_POWER.column_names
    assert_gx_agrees_with_split(outcome)
    results = results_by_name(outcome)
    assert results["key_unique_within_fetch"]["success"] is True
    assert results["share_within_0_100"]["element_count"] == 2  # only the share series
    assert json.loads(results["share_within_0_100"]["unexpected_sample"]) == [120.0]
    outcome.raise_on_errors()  # row errors quarantine, they do not fail the run
    # GX ran on the test's session: not restarted, settings untouched.
    assert spark.sparkContext is context_before
    assert spark.conf.get("spark.sql.shuffle.partitions") == partitions_before

    write_outcome(spark, lakehouse, STAGING_PUBLIC_POWER, outcome)

    stored = tables.read_table(spark, lakehouse, QUALITY_RESULTS).collect()
    assert len(stored) == len(outcome.suite.expectations)
    assert {(r.run_id, r.job, r.table, r.evaluated_at) for r in stored} == {
        (RUN_ID, JOB, "staging/public_power", NOW)
    }
    share = next(r for r in stored if r.expectation == "share_within_0_100")
    assert (share.severity, share.success) == ("error", False)
    assert (share.element_count, share.unexpected_count, share.unexpected_sample) == (2, 1, "[120.0]")
    rows = tables.read_table(spark, lakehouse, QUARANTINE_STAGING_PUBLIC_POWER).collect()
    assert len(rows) == 8
    assert {(r.run_id, r.quarantined_at) for r in rows} == {(RUN_ID, NOW)}
    gas = next(r for r in rows if r.production_type == "Fossil gas")
    assert (gas.value_mw, gas.fetched_at, gas.ts_month) == (-20000.0, FETCHED, date(2026, 10, 1))


def test_gx_is_asked_for_the_table_checks_and_for_samples_of_the_row_checks_that_found_rows(
    spark, lakehouse, monkeypatch
):
    validations = []  # (expectation names, samples) of each GX validation
    validate = quality._validate

    def counted(checked_df, table, expectations, samples):
        validations.append(([e.name for e in expectations], samples))
        return validate(checked_df, table, expectations, samples)

    monkeypatch.setattr(quality, "_validate", counted)
    suite = load_suite(lakehouse, STAGING_PUBLIC_POWER)
    table_checks = [e.name for e in suite.expectations if e.level == "table"]
    assert table_checks == ["key_unique_within_fetch"]
    clean = frame(spark, STAGING_PUBLIC_POWER, [power("de", "Solar", ts(0), 0.0)])
    outcome = run_check(clean, STAGING_PUBLIC_POWER, lakehouse)
    # One validation, no samples (a sample costs a Spark job each); the row checks found nothing in the
    # profile's pass and are recorded passed over the rows they checked.
    assert validations == [(table_checks, 0)]
    results = results_by_name(outcome)
    assert [r["expectation"] for r in outcome.results] == [e.name for e in suite.expectations]
    assert {(r["success"], r["unexpected_count"], r["unexpected_sample"]) for r in outcome.results} == {
        (True, 0, "[]")
    }
    assert results["share_within_0_100"]["element_count"] == 0  # its row_condition selects no row
    assert results["country_not_null"]["element_count"] == 1

    validations.clear()
    bad = [power("de", "Solar", ts(0), 0.0), power("de", "Load", ts(0), 200000.0)]
    outcome = run_check(frame(spark, STAGING_PUBLIC_POWER, bad), STAGING_PUBLIC_POWER, lakehouse)
    assert validations == [(table_checks, 0), (["power_within_150_gw"], quality.SAMPLE_SIZE)]
    found = results_by_name(outcome)["power_within_150_gw"]
    assert (found["success"], found["element_count"], found["unexpected_count"]) == (False, 2, 1)
    assert json.loads(found["unexpected_sample"]) == [200000.0]


def test_a_suite_file_is_parsed_once_per_content(lakehouse, tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    shutil.copytree(conf_dir(), conf)
    monkeypatch.setenv("LAKEHOUSE_CONF_DIR", str(conf))
    first = load_suite(lakehouse, STAGING_PRICE)
    assert load_suite(lakehouse, STAGING_PRICE) is first  # the same file: not parsed again

    path = conf / "suites" / "staging" / "price.yaml"
    edited = yaml.safe_load(path.read_text(encoding="utf-8"))
    edited["expectations"] = edited["expectations"][:1]
    path.write_text(yaml.safe_dump(edited), encoding="utf-8")

    assert [e.name for e in load_suite(lakehouse, STAGING_PRICE).expectations] == [first.expectations[0].name]


@pytest.mark.parametrize("bad", [False, True], ids=["clean", "bad"])
def test_results_equal_gx_evaluating_every_expectation(spark, lakehouse, bad):
    # What check records for each expectation is what GX reports when asked for the whole suite: a
    # null value, a row_condition selecting some rows, derived columns, and a batch with failures.
    rows = [
        power("de", "Solar", ts(0), 0.0),
        power("de", "Load", ts(0, 15), None),
        power("de", "Renewable share of Load", ts(0), 99.1),
        power("de", "Hydro pumped storage consumption", ts(0), -4724.1),
    ]
    if bad:
        rows += [power("de", "Solar", ts(0, 5), INF), power(None, "Load", ts(1), 1.0)]
    df = frame(spark, STAGING_PUBLIC_POWER, rows).cache()
    suite = load_suite(lakehouse, STAGING_PUBLIC_POWER)

    outcome = check(df, STAGING_PUBLIC_POWER, run_id=RUN_ID, job=JOB, now=NOW, config=lakehouse)

    checked_df = df.withColumns({name: F.expr(sql) for name, sql in suite.derive})
    gx = quality._validate(checked_df, suite.table, suite.expectations, samples=quality.SAMPLE_SIZE)
    fields = ("success", "element_count", "unexpected_count", "unexpected_sample")
    for expectation in suite.expectations:
        want, _ = quality._result(checked_df, expectation, gx[expectation.name])
        got = results_by_name(outcome)[expectation.name]
        assert {f: got[f] for f in fields} == {f: want[f] for f in fields}, expectation.name
    assert outcome.errors == []
    assert outcome.quarantined_rows == (2 if bad else 0)


def test_a_row_check_left_to_gx_quarantines_what_gx_finds(spark, lakehouse):
    # A regex on a number column is not counted in the profile's pass (GX may refuse the type); GX
    # evaluates it, and the rows it finds are quarantined and counted in the batch's profile as usual.
    regex = {"type": "expect_column_values_to_match_regex", "severity": "error", "level": "row"}
    regex["kwargs"] = {"column": "value_mw", "regex": "^-?[0-9]+[.]0$"}
    suite = parse_suite(
        {"table": "staging/public_power", "expectations": [{"name": "whole_megawatts", **regex}]},
        STAGING_PUBLIC_POWER,
    )
    df = frame(
        spark, STAGING_PUBLIC_POWER, [power("de", "Solar", ts(0), 1.0), power("de", "Solar", ts(0, 15), 1.5)]
    )

    outcome = check(
        df.cache(), STAGING_PUBLIC_POWER, run_id=RUN_ID, job=JOB, now=NOW, config=lakehouse, suite=suite
    )

    found = results_by_name(outcome)["whole_megawatts"]
    assert (found["success"], found["element_count"], found["unexpected_count"]) == (False, 2, 1)
    assert quarantined(outcome, "ts_utc") == {((ts(0, 15),), "whole_megawatts")}
    assert (outcome.batch["rows"], outcome.quarantined_rows) == (2, 1)
    assert outcome.errors == []


def test_gx_and_the_quarantine_predicate_counting_differently_fail_the_run(spark, lakehouse, monkeypatch):
    df = frame(spark, STAGING_PUBLIC_POWER, [power("de", "Load", ts(0), 200000.0)])
    validate = quality._validate

    def miscounting(checked_df, table, expectations, samples):
        results = validate(checked_df, table, expectations, samples)
        if "power_within_150_gw" in results:
            results["power_within_150_gw"].result["unexpected_count"] = 2
        return results

    monkeypatch.setattr(quality, "_validate", miscounting)
    outcome = run_check(df, STAGING_PUBLIC_POWER, lakehouse)

    with pytest.raises(QualityError, match=(
        r"expectation 'power_within_150_gw' \(expect_column_values_to_be_between\): Great Expectations "
        r"counted 2 unexpected row\(s\), the quarantine predicate 1$"
    )):  # fmt: skip
        outcome.raise_on_errors()


def test_staging_public_power_duplicate_key_fails_the_run_naming_key_and_values(spark, lakehouse):
    df = frame(
        spark,
        STAGING_PUBLIC_POWER,
        [
            power("de", "Solar", ts(0), 1.0),
            power("de", "Solar", ts(0), 2.0),
            power("de", "Solar", ts(0, 15), 3.0),
            power("de", "Solar", ts(0), 1.0, fetched=datetime(2026, 10, 27, 5, 0)),  # another fetch: fine
        ],
    )

    outcome = run_check(df, STAGING_PUBLIC_POWER, lakehouse)

    key = '"country": "de", "production_type": "Solar", "ts_utc": "2026-10-25 00:00:00"'
    sample = f'{{{key}, "fetched_at": "2026-10-26 05:00:00"}}'
    with pytest.raises(QualityError) as error:
        outcome.raise_on_errors()
    assert str(error.value) == (
        "staging/public_power: quality suite failed: expectation 'key_unique_within_fetch' "
        f"(expect_compound_columns_to_be_unique) failed: 2 of 4 row(s) unexpected, e.g. [{sample}, {sample}]"
    )
    assert [(r["expectation"], r["unexpected_count"]) for r in outcome.results if not r["success"]] == [
        ("key_unique_within_fetch", 2)
    ]
    assert outcome.quarantined_df.count() == 0
    assert outcome.quarantined_rows == 0  # write_outcome then appends no quarantine


# --- staging/price -------------------------------------------------------------------------------


def price(zone, start, price_eur_mwh, interval_minutes=15, unit="EUR/MWh"):
    return (zone, start, price_eur_mwh, unit, interval_minutes, FETCHED, RUN_ID, date(2026, 10, 1))


def test_staging_price_checks_the_rows_own_interval_and_only_warns_on_the_unit(spark, lakehouse):
    df = frame(
        spark,
        STAGING_PRICE,
        [
            price("DE-LU", ts(0), 85.2, interval_minutes=60),
            price("DE-LU", ts(0, 15), -500.0),
            price("DE-LU", ts(0, 30), 4000.0),
            price("DE-LU", ts(0, 45), None),
            price("DE-LU", ts(1), 70.0, unit="EUR/kWh"),  # warning only: flows on
            price("DE-LU", ts(1, 15), 70.0, interval_minutes=60),  # not on the hour
            price("DE-LU", ts(1, 30), 70.0, interval_minutes=30),
            price("DE-LU", ts(1, 45), 70.0, interval_minutes=0),  # no division by zero under ANSI
            price("DE-LU", ts(2), -500.01),
            price("DE-LU", ts(2, 15), INF),
            price(None, ts(2, 30), 70.0),
        ],
    )

    outcome = run_check(df, STAGING_PRICE, lakehouse)

    assert quarantined(outcome, "bidding_zone", "ts_utc") == {
        ((None, ts(2, 30)), "bidding_zone_not_null"),
        (("DE-LU", ts(1, 15)), "ts_utc_on_interval_grid"),
        (("DE-LU", ts(1, 30)), "interval_minutes_60_or_15"),
        (("DE-LU", ts(1, 45)), "interval_minutes_60_or_15"),
        (("DE-LU", ts(2)), "price_within_harmonised_limits"),
        (("DE-LU", ts(2, 15)), "price_finite; price_within_harmonised_limits"),
    }
    passed = {r.ts_utc for r in outcome.passed_df.collect()}
    assert passed == {ts(0), ts(0, 15), ts(0, 30), ts(0, 45), ts(1)}
    assert_gx_agrees_with_split(outcome)
    unit = results_by_name(outcome)["unit_is_eur_per_mwh"]
    assert (unit["severity"], unit["success"], unit["unexpected_count"]) == ("warning", False, 1)
    assert json.loads(unit["unexpected_sample"]) == ["EUR/kWh"]
    outcome.raise_on_errors()


# --- cdc/public_power ----------------------------------------------------------------------------


def merged(series, start, value_mw, country="de"):
    return (country, series, start, value_mw, FETCHED, NOW, NOW, "hash", date(2026, 10, 1))


def balance(start, load, onshore, offshore, solar, residual):
    values = {"Load": load, "Wind onshore": onshore, "Wind offshore": offshore, "Solar": solar}
    values["Residual load"] = residual
    return [merged(series, start, value) for series, value in values.items() if value is not None]


def test_cdc_public_power_gaps_and_imbalance_are_warnings_that_never_block(spark, lakehouse):
    rows = [
        *balance(ts(0), 40000.0, 8000.0, 2000.0, 0.0, 30000.1),  # rounding: balanced
        *balance(ts(0, 15), 40000.0, 8000.0, 2000.0, 0.0, 25000.0),  # 5000 MW off
        *balance(ts(0, 30), 40000.0, 8000.0, 2000.0, None, 1.0),  # no solar value: not compared
        # Biomass: 00:15 -> 01:45 leaves 5 intervals out (a gap); the null tail after 01:45 is none.
        merged("Biomass", ts(0), 3000.0),
        merged("Biomass", ts(0, 15), 3000.0),
        merged("Biomass", ts(1, 45), 3000.0),
        merged("Biomass", ts(2), None),
        merged("Biomass", ts(2, 15), None),
        # Waste: 00:00 -> 01:15 leaves exactly 4 out: allowed.
        merged("Waste", ts(0), 1300.0),
        merged("Waste", ts(1, 15), 1300.0),
    ]
    df = frame(spark, CDC_PUBLIC_POWER, rows)

    outcome = run_check(df, CDC_PUBLIC_POWER, lakehouse)
    outcome.raise_on_errors()

    results = results_by_name(outcome)
    gap, imbalance = results["no_gap_over_4_intervals"], results["residual_load_balances"]
    assert (gap["severity"], gap["success"], gap["unexpected_count"]) == ("warning", False, 1)
    assert json.loads(gap["unexpected_sample"]) == [
        {
            "country": "de",
            "production_type": "Biomass",
            "previous_ts_utc": "2026-10-25 00:15:00",
            "ts_utc": "2026-10-25 01:45:00",
            "missing_intervals": 5,
        }
    ]
    assert (imbalance["success"], imbalance["unexpected_count"]) == (False, 1)
    assert imbalance["element_count"] is None  # a query check counts the rows it found, not the batch
    assert json.loads(imbalance["unexpected_sample"])[0]["imbalance_mw"] == 5000.0
    assert results["key_unique"]["success"] is True
    assert outcome.passed_df.count() == len(rows)
    assert outcome.quarantined_rows == 0


def test_cdc_public_power_duplicate_key_fails_the_run_and_names_the_key(spark, lakehouse):
    rows = [*balance(ts(0), 40000.0, 8000.0, 2000.0, 0.0, 30000.0), merged("Solar", ts(0), 0.0)]

    outcome = run_check(frame(spark, CDC_PUBLIC_POWER, rows), CDC_PUBLIC_POWER, lakehouse)

    with pytest.raises(
        QualityError,
        match=r"^cdc/public_power: quality suite failed: expectation 'key_unique' "
        r"\(expect_compound_columns_to_be_unique\) failed: 2 of 6 row\(s\) unexpected, e\.g\. "
        r'\[\{"country": "de", "production_type": "Solar", "ts_utc": "2026-10-25 00:00:00"\}, ',
    ):
        outcome.raise_on_errors()
    results = results_by_name(outcome)
    assert results["residual_load_balances"]["success"] is True
    assert results["no_gap_over_4_intervals"]["success"] is True


# --- cdc/price -----------------------------------------------------------------------------------


def merged_price(start, price_eur_mwh, interval_minutes):
    audit = (FETCHED, NOW, NOW, "hash", date(2025, 9, 1))
    return ("DE-LU", start, price_eur_mwh, "EUR/MWh", interval_minutes, *audit)


def test_cdc_price_counts_gaps_in_the_earlier_prices_interval_across_the_15_minute_switch(spark, lakehouse):
    rows = [
        merged_price(datetime(2025, 9, 30, 13), 90.0, 60),
        merged_price(datetime(2025, 9, 30, 14), 90.0, 60),
        merged_price(datetime(2025, 9, 30, 20), 90.0, 60),  # 5 hours out: a gap
        merged_price(datetime(2025, 9, 30, 21), 90.0, 60),
        merged_price(datetime(2025, 9, 30, 22), 80.0, 15),  # the switch: 1 hour after an hourly price
        merged_price(datetime(2025, 9, 30, 22, 15), 80.0, 15),
        merged_price(datetime(2025, 9, 30, 23, 30), 80.0, 15),  # 4 quarter hours out: allowed
        merged_price(datetime(2025, 9, 30, 23, 45), None, 15),
        merged_price(datetime(2025, 9, 30, 23, 45), None, 15),  # duplicate key
    ]

    outcome = run_check(frame(spark, CDC_PRICE, rows), CDC_PRICE, lakehouse)

    with pytest.raises(
        QualityError, match=r"^cdc/price: quality suite failed: expectation 'key_unique' "
    ) as error:
        outcome.raise_on_errors()
    assert '"ts_utc": "2025-09-30 23:45:00"' in str(error.value)
    assert "no_gap" not in str(error.value)  # a warning is recorded, never part of the failure
    gap = results_by_name(outcome)["no_gap_over_4_intervals"]
    assert json.loads(gap["unexpected_sample"]) == [
        {
            "bidding_zone": "DE-LU",
            "previous_ts_utc": "2025-09-30 14:00:00",
            "ts_utc": "2025-09-30 20:00:00",
            "previous_interval_minutes": 60,
            "missing_intervals": 5,
        }
    ]


# --- gold/daily_production_trend -----------------------------------------------------------------


def daily(series, day, energy_mwh, avg_mw, reported, expected, completeness):
    stats = (energy_mwh, avg_mw, None, None, reported, expected, completeness, None)
    return ("de", day, series, 0.25, *stats, RUN_ID, NOW)


def test_gold_daily_production_trend_quarantines_impossible_completeness_and_energy(spark, lakehouse):
    dst_day, day = date(2026, 10, 25), date(2026, 10, 26)
    df = frame(
        spark,
        DAILY_PRODUCTION_TREND,
        [
            daily("Solar", day, 24000.0, 1000.0, 96, 96, 1.0),
            daily("Wind onshore", dst_day, 12500.0, 500.0, 100, 100, 1.0),  # 25-hour day
            daily("Nuclear", day, None, None, 0, 96, 0.0),  # no values
            daily("Biomass", day, 30000.0, 1000.0, 96, 96, 1.0),
            daily("Waste", day, None, 10.0, 1, 96, 1 / 96),
            daily("Wind offshore", day, 28750.0, 1000.0, 115, 96, 115 / 96),
            daily("Geothermal", day, 20.0, 1.0, 96, 96, -0.1),
        ],
    )

    outcome = run_check(df, DAILY_PRODUCTION_TREND, lakehouse)
    outcome.raise_on_errors()

    assert quarantined(outcome, "production_type") == {
        (("Biomass",), "energy_mwh_consistent_with_avg_mw"),
        (("Geothermal",), "completeness_within_0_1; energy_mwh_consistent_with_avg_mw"),
        (("Waste",), "energy_mwh_consistent_with_avg_mw"),
        (("Wind offshore",), "completeness_within_0_1"),
    }
    passed = {r.production_type for r in outcome.passed_df.collect()}
    assert passed == {"Nuclear", "Solar", "Wind onshore"}
    assert_gx_agrees_with_split(outcome)


# --- the gate jobs call ---------------------------------------------------------------------------


def job_run_for(spark, config):
    return JobRun(JOB, RUN_ID, NOW, spark, config, JobArgs())


def test_gate_writes_the_evidence_and_returns_the_rows_that_flow_on(spark, lakehouse):
    run = job_run_for(spark, lakehouse)
    rows = [power("de", "Solar", ts(0), 0.0), power("de", "Solar", ts(0, 15), None)]
    df = frame(spark, STAGING_PUBLIC_POWER, [*rows, power("de", "Load", ts(0), 200000.0)])

    passed_df = gate(run, df, STAGING_PUBLIC_POWER)

    assert sorted(r.ts_utc for r in passed_df.collect()) == [ts(0), ts(0, 15)]
    assert run.metrics["quarantined_rows"] == {"staging/public_power": 1}
    quarantine = tables.read_table(spark, lakehouse, QUARANTINE_STAGING_PUBLIC_POWER).collect()
    assert [(r.production_type, r.reason, r.run_id) for r in quarantine] == [
        ("Load", "power_within_150_gw", RUN_ID)
    ]
    (batch,) = tables.read_table(spark, lakehouse, QUALITY_BATCHES).collect()
    assert (batch.table, batch.rows, batch.quarantined_rows, batch.completeness, batch.passed) == (
        "staging/public_power",
        3,
        1,
        0.5,
        True,
    )
    results = tables.read_table(spark, lakehouse, QUALITY_RESULTS).filter(F.col("run_id") == RUN_ID)
    assert results.count() == len(load_suite(lakehouse, STAGING_PUBLIC_POWER).expectations)


def test_gate_refuses_a_wrong_schema_before_the_suite_and_fails_after_writing_the_evidence(spark, lakehouse):
    run = job_run_for(spark, lakehouse)
    with pytest.raises(
        ValidationError, match="staging/public_power: schema mismatch: missing column 'country'"
    ):
        gate(run, frame(spark, STAGING_PUBLIC_POWER, [power("de", "Solar", ts(0), 0.0)]).drop("country"),
             STAGING_PUBLIC_POWER)  # fmt: skip
    assert tables.read_table(spark, lakehouse, QUALITY_RESULTS).count() == 0

    twice = [power("de", "Solar", ts(0), 0.0), power("de", "Solar", ts(0), 1.0)]
    with pytest.raises(QualityError, match="expectation 'key_unique_within_fetch'"):
        gate(run, frame(spark, STAGING_PUBLIC_POWER, twice), STAGING_PUBLIC_POWER)
    (batch,) = tables.read_table(spark, lakehouse, QUALITY_BATCHES).collect()
    assert (batch.rows, batch.passed) == (2, False)
    failed = tables.read_table(spark, lakehouse, QUALITY_RESULTS).filter(~F.col("success")).collect()
    assert [r.expectation for r in failed] == ["key_unique_within_fetch"]


def test_gate_refuses_a_null_key_a_suite_forgot_among_the_rows_that_flow_on(spark, lakehouse, monkeypatch):
    # This suite checks no key; the gate still refuses a null key that would flow on, counted in the
    # profile's pass, and names it. A null key on a quarantined row does not flow on: no error.
    in_range = {"type": "expect_column_values_to_be_between", "severity": "error", "level": "row"}
    in_range["kwargs"] = {"column": "value_mw", "min_value": 0}
    suite = parse_suite(
        {"table": "staging/public_power", "expectations": [{"name": "non_negative", **in_range}]},
        STAGING_PUBLIC_POWER,
    )
    monkeypatch.setattr("common.quality.load_suite", lambda config, spec: suite)
    run = job_run_for(spark, lakehouse)
    held_back = power(None, "Solar", ts(0, 15), -1.0)
    passed_df = gate(run, frame(spark, STAGING_PUBLIC_POWER, [power("de", "Solar", ts(0), 1.0), held_back]),
                     STAGING_PUBLIC_POWER)  # fmt: skip
    assert [r.country for r in passed_df.collect()] == ["de"]

    flowing = [power("de", "Solar", ts(0), 1.0), power(None, "Solar", ts(0, 15), 2.0)]
    with pytest.raises(
        ValidationError,
        match=r"staging/public_power: key column 'country' is null in 1 row\(s\), e\.g\. "
        r"\(country=None, production_type=Solar, ts_utc=2026-10-25 00:15:00",
    ):
        gate(run, frame(spark, STAGING_PUBLIC_POWER, flowing), STAGING_PUBLIC_POWER)


# --- checks GX cannot evaluate ------------------------------------------------------------------


def test_a_check_gx_cannot_evaluate_fails_the_run_at_error_severity_and_is_recorded_at_warning(
    spark, lakehouse
):
    wrong = {"type": "expect_column_values_to_be_between", "level": "row"}
    wrong["kwargs"] = {"column": "unit", "min_value": 0, "max_value": 1}  # a string column
    suite = parse_suite(
        {
            "table": "staging/price",
            "expectations": [
                {"name": "unit_as_error", "severity": "error", **wrong},
                {"name": "unit_as_warning", "severity": "warning", **wrong},
            ],
        },
        STAGING_PRICE,
    )
    df = frame(spark, STAGING_PRICE, [price("DE-LU", ts(0), 85.2)])

    outcome = check(df, STAGING_PRICE, run_id=RUN_ID, job=JOB, now=NOW, config=lakehouse, suite=suite)

    with pytest.raises(QualityError) as error:
        outcome.raise_on_errors()
    assert str(error.value) == (
        "staging/price: quality suite failed: expectation 'unit_as_error' "
        "(expect_column_values_to_be_between) could not be evaluated: "
        "ColumnValuesBetween metrics cannot be computed on column of type StringType()."
    )
    warning = results_by_name(outcome)["unit_as_warning"]
    assert (warning["success"], warning["unexpected_count"]) == (False, None)
    assert json.loads(warning["unexpected_sample"])["error"].startswith("ColumnValuesBetween metrics cannot")


# --- suites and specs ----------------------------------------------------------------------------


CHECKED_TABLES = [s for s in ALL_TABLES if s.layer in ("landing", "staging", "cdc", "gold")]


@pytest.mark.parametrize("spec", CHECKED_TABLES, ids=lambda s: s.full_name)
def test_every_checked_table_has_a_suite_with_its_key_unique_and_its_quarantine_table(lakehouse, spec):
    suite = load_suite(lakehouse, spec)

    assert suite.table == spec.full_name
    assert suite.source.endswith(f"conf/suites/{spec.layer}/{spec.name}.yaml")
    # GX's compound check takes two columns or more: a one-column key is checked per column.
    unique = [
        (e.kwargs.get("column_list") or [e.kwargs["column"]], e.severity, e.level)
        for e in suite.expectations
        if e.type == "expect_compound_columns_to_be_unique"
        or (e.type == "expect_column_values_to_be_unique" and len(spec.keys) == 1)
    ]
    assert unique == [(list(spec.keys), "error", "table")]
    assert (quarantine_spec(spec) in ALL_TABLES) == any(e.quarantines for e in suite.expectations)


def test_a_table_without_a_suite_is_an_error(lakehouse):
    with pytest.raises(SuiteError, match=r"ops/job_runs: no quality suite at .*ops/job_runs\.yaml"):
        load_suite(lakehouse, JOB_RUNS)


@pytest.mark.parametrize(
    ("expectation", "problem"),
    [
        (
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "nope"}},
            r"unknown column\(s\) \['nope'\]",
        ),
        (
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "country"},
                "severity": "fatal",
            },
            "severity",
        ),
        (
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "country"}},
            "level row supports",
        ),
        (
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "value_mw", "min_value": 0, "mostly": 0.9},
            },
            "'mostly' cannot decide",
        ),
        (
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "value_mw", "min_valu": 0}},
            "not a valid",
        ),
    ],
)
def test_malformed_suites_are_refused_with_the_expectation_named(expectation, problem):
    entry = {"severity": "error", "level": "row", **expectation}
    data = {"table": "staging/public_power", "expectations": [entry]}

    with pytest.raises(SuiteError, match=problem):
        parse_suite(data, STAGING_PUBLIC_POWER, source="inline.yaml")


def test_quarantine_spec_keeps_the_columns_nullable_and_adds_reason_run_and_time():
    spec = quarantine_spec(CDC_PUBLIC_POWER)

    assert spec.full_name == "quality/quarantine_cdc_public_power"
    assert spec.column_names == [*CDC_PUBLIC_POWER.column_names, "reason", "run_id", "quarantined_at"]
    assert all(spec.schema[c].nullable for c in CDC_PUBLIC_POWER.column_names)
    assert spec.keys == ("run_id", "country", "production_type", "ts_utc")
    assert spec.partition_by == ("country",)
    assert not spec.change_data_feed
    staging = quarantine_spec(STAGING_PUBLIC_POWER)
    assert staging.column_names == [*STAGING_PUBLIC_POWER.column_names, "reason", "quarantined_at"]
    assert staging.comment_of("run_id") == "Run that quarantined the row"
