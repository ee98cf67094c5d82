"""The suites of landing/energy_charts, installed power (staging, cdc) and the gold tables on good and bad
inline batches: which rows each quarantines and why, which batches fail the run and with what message,
what quality/results records and the batch profile (rows, quarantined rows, completeness)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from common.quality import QualityError
from schemas import (
    CDC_INSTALLED_POWER,
    DAILY_PRICE_WIND,
    DATA_QUALITY_DAILY,
    LANDING_ENERGY_CHARTS,
    STAGING_INSTALLED_POWER,
    UNDERPERFORMANCE_FEATURES,
)
from tests.test_quality import (
    FETCHED,
    INF,
    NAN,
    NOW,
    RUN_ID,
    assert_gx_agrees_with_split,
    frame,
    quarantined,
    results_by_name,
    run_check,
)


def verdicts(outcome):
    """{expectation: (success, element_count, unexpected_count)} of every result, in suite order."""
    return {
        r["expectation"]: (r["success"], r["element_count"], r["unexpected_count"]) for r in outcome.results
    }


def sample(outcome, name):
    return json.loads(results_by_name(outcome)[name]["unexpected_sample"])


def sample_items(outcome, name):
    """The sample's items as sorted JSON texts: comparable whatever GX's order, NaN included."""
    return sorted(json.dumps(item) for item in sample(outcome, name))


def items(*values):
    return sorted(json.dumps(value) for value in values)


def assert_batch(outcome, rows, quarantined_rows, completeness, passed):
    """The quality/batches row: size, rows held back, mean of the suite's completeness, verdict."""
    batch = outcome.batch
    assert (batch["rows"], batch["quarantined_rows"], batch["passed"]) == (rows, quarantined_rows, passed)
    if completeness is None:
        assert batch["completeness"] is None
    else:
        assert batch["completeness"] == pytest.approx(completeness, rel=1e-12)


# --- landing/energy_charts -----------------------------------------------------------------------

T0 = int(datetime(2026, 10, 25, tzinfo=timezone.utc).timestamp())
POSITIONS = [T0, T0 + 900, T0 + 1800]
DAY_PARAMS = {"country": "de", "start": "2026-10-25T00:00+01:00", "end": "2026-10-25T00:30+01:00"}


def response(endpoint, params, http_status, payload):
    request_params = json.dumps(params, sort_keys=True)
    return (endpoint, request_params, http_status, FETCHED, payload, None, RUN_ID, FETCHED.date())


def public_power_payload(onshore):
    solar = {"name": "Solar", "data": [0.0, 0.0, None]}  # a null value still holds its position
    series = [solar, {"name": "Wind onshore", "data": onshore}]
    return json.dumps({"unix_seconds": POSITIONS, "production_types": series})


GOOD_RESPONSES = [
    response("/public_power", DAY_PARAMS, 200, public_power_payload([8000.5, 8100.0, 8200.0])),
    response(
        "/price",
        {"bzn": "DE-LU", "start": "2026-10-25", "end": "2026-10-25"},
        200,
        json.dumps({"unix_seconds": POSITIONS[:2], "price": [85.2, -0.01], "unit": "EUR/MWh"}),
    ),
    response(
        "/installed_power",
        {"country": "de", "installation_decommission": "false", "time_step": "monthly"},
        200,
        json.dumps(
            {
                "time": ["01.2024", "02.2024", "03.2024"],
                "production_types": [
                    {"name": "Solar", "data": [81.7, 82.5, None]},
                    {"name": "Wind onshore", "data": [61.0, 61.1, 61.3]},
                ],
            }
        ),
    ),
    response("/public_power", {**DAY_PARAMS, "country": "xx"}, 404, '{"detail":"Not Found"}'),
]


def test_landing_energy_charts_good_responses_and_a_404_pass(spark, lakehouse):
    outcome = run_check(frame(spark, LANDING_ENERGY_CHARTS, GOOD_RESPONSES), LANDING_ENERGY_CHARTS, lakehouse)

    outcome.raise_on_errors()
    assert verdicts(outcome) == {
        "http_status_200_or_404": (True, 4, 0),
        "key_unique": (True, 4, 0),
    }
    assert {r["unexpected_sample"] for r in outcome.results} == {"[]"}
    assert_batch(outcome, rows=4, quarantined_rows=0, completeness=None, passed=True)
    assert outcome.passed_df.count() == 4


def test_landing_energy_charts_http_500_and_a_request_landed_twice_fail_the_run(spark, lakehouse):
    # The body's shape is the client's contract (tests/test_energy_charts_client.py), not the suite's.
    failed = response("/price", {"bzn": "DE-LU", "start": "2026-10-26"}, 500, "Internal Server Error")
    df = frame(spark, LANDING_ENERGY_CHARTS, [*GOOD_RESPONSES, failed, GOOD_RESPONSES[0]])

    outcome = run_check(df, LANDING_ENERGY_CHARTS, lakehouse)

    with pytest.raises(QualityError) as error:
        outcome.raise_on_errors()
    assert str(error.value).startswith(
        "landing/energy_charts: quality suite failed: expectation 'http_status_200_or_404' "
        "(expect_column_values_to_be_in_set) failed: 1 of 6 row(s) unexpected, e.g. [500]; "
        "expectation 'key_unique' (expect_compound_columns_to_be_unique) failed: 2 of 6 row(s) unexpected"
    )
    assert verdicts(outcome) == {
        "http_status_200_or_404": (False, 6, 1),
        "key_unique": (False, 6, 2),
    }
    assert_batch(outcome, rows=6, quarantined_rows=0, completeness=None, passed=False)


# --- staging/installed_power ---------------------------------------------------------------------

LAST_UPDATE = datetime(2026, 10, 1, 12, 0)


def installed(country, series, time_step, period_start, installed_gw, fetched=FETCHED):
    return (country, series, time_step, period_start, installed_gw, LAST_UPDATE, fetched, RUN_ID)


def test_staging_installed_power_quarantines_each_bad_row_with_every_reason(spark, lakehouse):
    good = [
        installed("de", "Solar", "monthly", date(2024, 1, 1), 81.7),
        installed("de", "Solar", "monthly", date(2024, 2, 1), None),  # not published: flows on
        installed("de", "Solar", "yearly", date(2024, 1, 1), 99.3),
        installed("de", "Wind offshore", "yearly", date(2023, 1, 1), 0.0),
        installed("de", "Battery", "monthly", date(2024, 3, 1), 1000.0),
    ]
    bad = [
        installed(None, "Solar", "monthly", date(2024, 4, 1), 1.0),
        installed("de", None, "monthly", date(2024, 4, 1), 1.0),
        installed("de", "Solar", "monthly", None, 1.0),
        installed("de", "Solar", "monthly", date(2024, 5, 1), 1.0, fetched=None),
        installed("de", "Solar", None, date(2024, 8, 1), 1.0),
        installed("de", "Solar", "weekly", date(2024, 1, 1), 1.0),
        installed("de", "Solar", "Monthly", date(2024, 6, 1), 1.0),  # not 'monthly', so yearly rules
        installed("de", "Solar", "monthly", date(2024, 7, 15), 1.0),
        installed("de", "Solar", "yearly", date(2024, 7, 1), 1.0),
        installed("de", "Wind onshore", "monthly", date(2024, 1, 1), NAN),
        installed("de", "Wind onshore", "monthly", date(2024, 2, 1), INF),
        installed("de", "Wind onshore", "monthly", date(2024, 3, 1), -INF),
        installed("de", "Nuclear", "monthly", date(2024, 1, 1), -0.5),
        installed("de", "Nuclear", "monthly", date(2024, 2, 1), 1000.5),
    ]

    outcome = run_check(frame(spark, STAGING_INSTALLED_POWER, good + bad), STAGING_INSTALLED_POWER, lakehouse)

    outcome.raise_on_errors()  # row errors quarantine, they do not fail the run
    finite_and_range = "installed_gw_finite; installed_gw_within_0_1000"
    assert quarantined(outcome, "country", "production_type", "time_step", "period_start") == {
        ((None, "Solar", "monthly", date(2024, 4, 1)), "country_not_null"),
        (("de", None, "monthly", date(2024, 4, 1)), "production_type_not_null"),
        (("de", "Solar", "monthly", None), "period_start_not_null"),
        (("de", "Solar", "monthly", date(2024, 5, 1)), "fetched_at_not_null"),
        (("de", "Solar", None, date(2024, 8, 1)), "time_step_not_null"),
        (("de", "Solar", "weekly", date(2024, 1, 1)), "time_step_monthly_or_yearly"),
        (
            ("de", "Solar", "Monthly", date(2024, 6, 1)),
            "time_step_monthly_or_yearly; period_start_on_period_grid",
        ),
        (("de", "Solar", "monthly", date(2024, 7, 15)), "period_start_on_period_grid"),
        (("de", "Solar", "yearly", date(2024, 7, 1)), "period_start_on_period_grid"),
        (("de", "Wind onshore", "monthly", date(2024, 1, 1)), finite_and_range),
        (("de", "Wind onshore", "monthly", date(2024, 2, 1)), finite_and_range),
        (("de", "Wind onshore", "monthly", date(2024, 3, 1)), finite_and_range),
        (("de", "Nuclear", "monthly", date(2024, 1, 1)), "installed_gw_within_0_1000"),
        (("de", "Nuclear", "monthly", date(2024, 2, 1)), "installed_gw_within_0_1000"),
    }
    passed = {(r.production_type, r.time_step, r.period_start) for r in outcome.passed_df.collect()}
    assert passed == {(r[1], r[2], r[3]) for r in good}
    assert_gx_agrees_with_split(outcome)
    assert verdicts(outcome) == {
        "country_not_null": (False, 19, 1),
        "production_type_not_null": (False, 19, 1),
        "time_step_not_null": (False, 19, 1),
        "period_start_not_null": (False, 19, 1),
        "fetched_at_not_null": (False, 19, 1),
        "time_step_monthly_or_yearly": (False, 19, 2),
        "period_start_on_period_grid": (False, 19, 3),
        "installed_gw_finite": (False, 19, 3),
        "installed_gw_within_0_1000": (False, 19, 5),
        "key_unique_within_fetch": (True, 19, 0),
    }
    assert sample(outcome, "country_not_null") == [None]
    assert sample_items(outcome, "time_step_monthly_or_yearly") == items("weekly", "Monthly")
    assert sample(outcome, "period_start_on_period_grid") == [False, False, False]
    assert sample(outcome, "installed_gw_finite") == [False, False, False]
    assert sample_items(outcome, "installed_gw_within_0_1000") == items(NAN, INF, -INF, -0.5, 1000.5)
    # completeness: the share of published values among the rows that flow on
    assert_batch(outcome, rows=19, quarantined_rows=14, completeness=4 / 5, passed=True)


def test_staging_installed_power_duplicate_key_within_a_fetch_fails_the_run(spark, lakehouse):
    rows = [
        installed("de", "Solar", "monthly", date(2024, 1, 1), 81.7),
        installed("de", "Solar", "monthly", date(2024, 1, 1), 81.9),
        installed("de", "Solar", "yearly", date(2024, 1, 1), 99.3),  # same period_start, other step
        installed("de", "Solar", "monthly", date(2024, 1, 1), 81.7, fetched=datetime(2026, 10, 27, 5, 0)),
    ]

    outcome = run_check(frame(spark, STAGING_INSTALLED_POWER, rows), STAGING_INSTALLED_POWER, lakehouse)

    key = json.dumps(
        {
            "country": "de",
            "production_type": "Solar",
            "time_step": "monthly",
            "period_start": "2024-01-01",
            "fetched_at": "2026-10-26 05:00:00",
        }
    )
    with pytest.raises(QualityError) as error:
        outcome.raise_on_errors()
    assert str(error.value) == (
        "staging/installed_power: quality suite failed: expectation 'key_unique_within_fetch' "
        f"(expect_compound_columns_to_be_unique) failed: 2 of 4 row(s) unexpected, e.g. [{key}, {key}]"
    )
    assert [name for name, (success, _, _) in verdicts(outcome).items() if not success] == [
        "key_unique_within_fetch"
    ]
    assert outcome.quarantined_df.count() == 0
    assert_batch(outcome, rows=4, quarantined_rows=0, completeness=1.0, passed=False)


# --- cdc/installed_power -------------------------------------------------------------------------


def merged_installed(series, time_step, period_start, installed_gw, country="de"):
    return (country, series, time_step, period_start, installed_gw, FETCHED, NOW, NOW, "hash")


def test_cdc_installed_power_duplicate_key_fails_the_run(spark, lakehouse):
    rows = [
        merged_installed("Solar", "monthly", date(2024, 1, 1), 81.7),
        merged_installed("Solar", "monthly", date(2024, 1, 1), 81.9),
        merged_installed("Solar", "monthly", date(2024, 2, 1), 82.5),
        merged_installed("Solar", "yearly", date(2024, 1, 1), 99.3),
    ]

    outcome = run_check(frame(spark, CDC_INSTALLED_POWER, rows), CDC_INSTALLED_POWER, lakehouse)

    key = json.dumps(
        {"country": "de", "production_type": "Solar", "time_step": "monthly", "period_start": "2024-01-01"}
    )
    with pytest.raises(QualityError) as error:
        outcome.raise_on_errors()
    assert str(error.value) == (
        "cdc/installed_power: quality suite failed: expectation 'key_unique' "
        f"(expect_compound_columns_to_be_unique) failed: 2 of 4 row(s) unexpected, e.g. [{key}, {key}]"
    )
    assert verdicts(outcome) == {"key_unique": (False, 4, 2), "no_gap_over_3_months": (True, None, 0)}
    assert_batch(outcome, rows=4, quarantined_rows=0, completeness=1.0, passed=False)


def test_cdc_installed_power_gap_over_3_months_is_a_warning_that_never_blocks(spark, lakehouse):
    rows = [
        # Solar: January, then nulls until June: 4 months missing or null, a gap.
        merged_installed("Solar", "monthly", date(2024, 1, 1), 81.7),
        *(merged_installed("Solar", "monthly", date(2024, month, 1), None) for month in range(2, 6)),
        merged_installed("Solar", "monthly", date(2024, 6, 1), 84.0),
        # Wind onshore: January -> April leaves 2 out, April -> August exactly 3: allowed.
        merged_installed("Wind onshore", "monthly", date(2024, 1, 1), 61.0),
        merged_installed("Wind onshore", "monthly", date(2024, 4, 1), 61.3),
        merged_installed("Wind onshore", "monthly", date(2024, 8, 1), 61.9),
        # Yearly series are not checked; another country's months are not the same series.
        merged_installed("Wind offshore", "yearly", date(2015, 1, 1), 3.3),
        merged_installed("Wind offshore", "yearly", date(2024, 1, 1), 9.2),
        merged_installed("Solar", "monthly", date(2024, 3, 1), 30.0, country="at"),
    ]

    outcome = run_check(frame(spark, CDC_INSTALLED_POWER, rows), CDC_INSTALLED_POWER, lakehouse)

    outcome.raise_on_errors()
    assert verdicts(outcome) == {"key_unique": (True, 12, 0), "no_gap_over_3_months": (False, None, 1)}
    assert results_by_name(outcome)["no_gap_over_3_months"]["severity"] == "warning"
    assert sample(outcome, "no_gap_over_3_months") == [
        {
            "country": "de",
            "production_type": "Solar",
            "previous_period_start": "2024-01-01",
            "period_start": "2024-06-01",
            "missing_months": 4,
        }
    ]
    assert outcome.passed_df.count() == len(rows)
    assert_batch(outcome, rows=12, quarantined_rows=0, completeness=8 / 12, passed=True)


# --- gold/daily_price_wind -----------------------------------------------------------------------

NO_PRICES = (None, None, None)  # avg, min, max
NO_WIND = (None, None, None)  # onshore, offshore, total
NO_CORRS = (None, None, None)  # intraday, 30-day onshore, 30-day offshore


def price_wind(day, prices=NO_PRICES, negative_hours=None, wind=NO_WIND, corrs=NO_CORRS):
    return ("DE-LU", day, *prices, negative_hours, *wind, *corrs, RUN_ID, NOW)


def test_gold_daily_price_wind_quarantines_inconsistent_days(spark, lakehouse):
    prices, wind = (60.0, 40.0, 80.0), (30000.0, 20000.0, 50000.0)
    good = [
        # The autumn DST day: 25 negative hours at most; correlations at ±1 up to rounding.
        price_wind(
            date(2026, 10, 25),
            (80.0, -5.0, 150.0),
            25.0,
            (100000.0, 20000.0, 120000.0),
            (-0.6, -1.0000000005, 1.0),
        ),
        price_wind(date(2026, 10, 26)),  # no prices and no wind: every value null
        price_wind(date(2026, 10, 27), (50.0, 50.0, 50.0), 0.0),  # prices without wind
        price_wind(date(2026, 10, 28), prices, 0.0, (30000.0, None, 30000.0)),  # onshore only
    ]
    bad = [
        price_wind(date(2026, 10, 1), (200.0, 10.0, 150.0), 0.0, wind),
        price_wind(date(2026, 10, 2), (None, 10.0, 150.0), 0.0, wind),
        price_wind(date(2026, 10, 3), prices, 0.0, (100.0, 50.0, 160.0)),
        price_wind(date(2026, 10, 4), wind=(None, None, 5.0)),
        price_wind(date(2026, 10, 5), prices, -0.25, wind),
        price_wind(date(2026, 10, 6), prices, 25.25, wind),
        price_wind(date(2026, 10, 7), prices, 0.0, wind, (1.1, None, None)),
        price_wind(date(2026, 10, 8), prices, 0.0, wind, (None, -1.5, None)),
        price_wind(date(2026, 10, 9), (10.0, 20.0, 30.0), 0.0, wind, (None, None, 1.01)),
    ]

    outcome = run_check(frame(spark, DAILY_PRICE_WIND, good + bad), DAILY_PRICE_WIND, lakehouse)

    outcome.raise_on_errors()
    assert quarantined(outcome, "date") == {
        ((date(2026, 10, 1),), "price_avg_within_min_max"),
        ((date(2026, 10, 2),), "price_avg_within_min_max"),
        ((date(2026, 10, 3),), "wind_total_is_sum_of_wind"),
        ((date(2026, 10, 4),), "wind_total_is_sum_of_wind"),
        ((date(2026, 10, 5),), "negative_price_hours_within_0_25"),
        ((date(2026, 10, 6),), "negative_price_hours_within_0_25"),
        ((date(2026, 10, 7),), "intraday_corr_within_minus_1_1"),
        ((date(2026, 10, 8),), "corr_30d_onshore_within_minus_1_1"),
        ((date(2026, 10, 9),), "price_avg_within_min_max; corr_30d_offshore_within_minus_1_1"),
    }
    assert {r.date for r in outcome.passed_df.collect()} == {r[1] for r in good}
    assert_gx_agrees_with_split(outcome)
    assert verdicts(outcome) == {
        "key_unique": (True, 13, 0),
        "price_avg_within_min_max": (False, 13, 3),
        "wind_total_is_sum_of_wind": (False, 13, 2),
        "negative_price_hours_within_0_25": (False, 13, 2),
        "intraday_corr_within_minus_1_1": (False, 13, 1),
        "corr_30d_onshore_within_minus_1_1": (False, 13, 1),
        "corr_30d_offshore_within_minus_1_1": (False, 13, 1),
    }
    assert sample(outcome, "price_avg_within_min_max") == [False, False, False]
    assert sample_items(outcome, "negative_price_hours_within_0_25") == items(-0.25, 25.25)
    assert sample(outcome, "intraday_corr_within_minus_1_1") == [1.1]
    assert sample(outcome, "corr_30d_onshore_within_minus_1_1") == [-1.5]
    assert sample(outcome, "corr_30d_offshore_within_minus_1_1") == [1.01]
    # complete: a price and wind energy; of the four good rows, the 25th and the 28th
    assert_batch(outcome, rows=13, quarantined_rows=9, completeness=2 / 4, passed=True)


# --- gold/underperformance_features --------------------------------------------------------------


def ts_utc(hour, minute=0):
    return datetime(2026, 10, 25, hour, minute)


def feature(series, start, avg_mw, samples, installed_mw, capacity_factor, slot_local=22):
    # 2026-10-25 is a Sunday; 10:00 UTC is 11:00 in Berlin (slot 22) after the DST change.
    return ("de", series, start, avg_mw, samples, installed_mw, capacity_factor, slot_local, 7, 10, True)


def test_gold_underperformance_features_quarantines_off_grid_and_inconsistent_rows(spark, lakehouse):
    good = [
        feature("Solar", ts_utc(10), 30000.0, 2, 100000.0, 0.3),
        feature("Wind onshore", ts_utc(10), None, 0, 60000.0, None),  # no values: no factor
        feature("Wind offshore", ts_utc(10), 1500.0, 1, None, None),  # no capacity: no factor
        feature("Solar", ts_utc(10, 30), 150000.0, 2, 100000.0, 1.5, 23),  # above capacity: warning only
        feature("Solar", ts_utc(22, 30), 0.0, 2, 100000.0, 0.0, 47),
    ]
    bad = [
        feature("Wind onshore", ts_utc(10, 15), 30000.0, 2, 60000.0, 0.5),
        feature("Wind onshore", ts_utc(10, 30), 30000.0, 3, 60000.0, 0.5, 23),
        feature("Wind onshore", ts_utc(11), 30000.0, 2, 60000.0, 0.5, 48),
        feature("Wind offshore", ts_utc(10, 30), 500.0, 2, 1000.0, 0.6, 23),
        feature("Wind offshore", ts_utc(11), 0.0, 2, 0.0, 0.0, 24),  # no factor of a zero capacity
    ]

    outcome = run_check(
        frame(spark, UNDERPERFORMANCE_FEATURES, good + bad), UNDERPERFORMANCE_FEATURES, lakehouse
    )

    outcome.raise_on_errors()
    assert quarantined(outcome, "production_type", "interval_start") == {
        (("Wind onshore", ts_utc(10, 15)), "interval_start_on_30_minute_grid"),
        (("Wind onshore", ts_utc(10, 30)), "samples_within_0_2"),
        (("Wind onshore", ts_utc(11)), "slot_local_within_0_47"),
        (("Wind offshore", ts_utc(10, 30)), "capacity_factor_is_avg_over_installed"),
        (("Wind offshore", ts_utc(11)), "capacity_factor_is_avg_over_installed"),
    }
    assert {(r.production_type, r.interval_start) for r in outcome.passed_df.collect()} == {
        (r[1], r[2]) for r in good
    }
    assert_gx_agrees_with_split(outcome)
    assert verdicts(outcome) == {
        "key_unique": (True, 10, 0),
        "interval_start_on_30_minute_grid": (False, 10, 1),
        "samples_within_0_2": (False, 10, 1),
        "slot_local_within_0_47": (False, 10, 1),
        "capacity_factor_is_avg_over_installed": (False, 10, 2),
        "capacity_factor_within_0_1_2": (False, 10, 1),
    }
    assert sample(outcome, "interval_start_on_30_minute_grid") == [900]
    assert sample(outcome, "samples_within_0_2") == [3]
    assert sample(outcome, "slot_local_within_0_47") == [48]
    assert sample(outcome, "capacity_factor_is_avg_over_installed") == [False, False]
    warning = results_by_name(outcome)["capacity_factor_within_0_1_2"]
    assert (warning["severity"], json.loads(warning["unexpected_sample"])) == ("warning", [1.5])
    # samples / 2 over the rows that flow on: (2 + 0 + 1 + 2 + 2) / 2 / 5
    assert_batch(outcome, rows=10, quarantined_rows=5, completeness=7 / 10, passed=True)


# --- gold/data_quality_daily ---------------------------------------------------------------------


def indicators(table, day, completeness, quality_score):
    # table, date, runs, rows, completeness, evaluated, failed, quarantined, score
    return (table, day, 1, 100, completeness, 10, 0, 0, quality_score, RUN_ID, NOW)


def test_gold_data_quality_daily_quarantines_shares_outside_0_1(spark, lakehouse):
    day = date(2026, 10, 26)
    good = [
        indicators("staging/public_power", day, 1.0, 1.0),
        indicators("landing/energy_charts", day, None, 1.0),  # a suite without completeness
        indicators("staging/price", day, 0.0, 0.0),
    ]
    bad = [
        indicators("cdc/price", day, 1.2, 0.9),
        indicators("cdc/public_power", day, 0.5, -0.1),
        indicators("gold/daily_price_wind", day, -0.01, 1.5),
    ]

    outcome = run_check(frame(spark, DATA_QUALITY_DAILY, good + bad), DATA_QUALITY_DAILY, lakehouse)

    outcome.raise_on_errors()
    assert quarantined(outcome, "table") == {
        (("cdc/price",), "completeness_within_0_1"),
        (("cdc/public_power",), "quality_score_within_0_1"),
        (("gold/daily_price_wind",), "completeness_within_0_1; quality_score_within_0_1"),
    }
    assert {r.table for r in outcome.passed_df.collect()} == {r[0] for r in good}
    assert_gx_agrees_with_split(outcome)
    assert verdicts(outcome) == {
        "key_unique": (True, 6, 0),
        "completeness_within_0_1": (False, 6, 2),
        "quality_score_within_0_1": (False, 6, 2),
    }
    assert sample_items(outcome, "completeness_within_0_1") == items(1.2, -0.01)
    assert sample_items(outcome, "quality_score_within_0_1") == items(-0.1, 1.5)
    assert_batch(outcome, rows=6, quarantined_rows=3, completeness=None, passed=True)


def test_gold_data_quality_daily_duplicate_table_and_day_fails_the_run(spark, lakehouse):
    rows = [
        indicators("staging/price", date(2026, 10, 26), 0.9, 0.95),
        indicators("staging/price", date(2026, 10, 26), 0.8, 0.9),
        indicators("staging/price", date(2026, 10, 27), 0.9, 0.95),
    ]

    outcome = run_check(frame(spark, DATA_QUALITY_DAILY, rows), DATA_QUALITY_DAILY, lakehouse)

    key = json.dumps({"table": "staging/price", "date": "2026-10-26"})
    with pytest.raises(QualityError) as error:
        outcome.raise_on_errors()
    assert str(error.value) == (
        "gold/data_quality_daily: quality suite failed: expectation 'key_unique' "
        f"(expect_compound_columns_to_be_unique) failed: 2 of 3 row(s) unexpected, e.g. [{key}, {key}]"
    )
    assert verdicts(outcome) == {
        "key_unique": (False, 3, 2),
        "completeness_within_0_1": (True, 3, 0),
        "quality_score_within_0_1": (True, 3, 0),
    }
    assert_batch(outcome, rows=3, quarantined_rows=0, completeness=None, passed=False)
