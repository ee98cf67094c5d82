"""Config loading and overrides, the job command line, and local-day arithmetic (pure Python)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from common.cli import default_window, parse_job_args
from common.config import ConfigError, load_config
from common.days import contiguous_ranges, expand_days, local_days_utc_range, month_starts
from common.tables import table_path


def test_env_file_overrides_common_and_environment_overrides_both():
    config = load_config(
        "test", environ={"LAKEHOUSE_ROOT": "/data/lake/", "ENERGY_CHARTS_BASE_URL": "http://x:1"}
    )

    assert config.lakehouse_root == "/data/lake"
    assert config.get("energy_charts.base_url") == "http://x:1"
    assert config.get("energy_charts.pace_s") == 0  # conf/test
    assert config.get("energy_charts.window_days.public_power") == 7  # conf/common.yaml
    assert config.get("spark.conf")["spark.sql.session.timeZone"] == "UTC"  # merged, not replaced


def test_defaults_without_overrides():
    config = load_config("local", environ={})

    assert config.lakehouse_root == "./lakehouse"
    assert config.get("energy_charts.base_url") == "https://api.energy-charts.info"
    assert config.time_zone("DE") == "Europe/Berlin"


def test_unknown_environment_and_country_are_clear_errors():
    with pytest.raises(ConfigError, match=r"unknown environment 'nope'.*known: \[.*'local'"):
        load_config("nope", environ={})
    with pytest.raises(ConfigError, match="no time zone for country 'xx'"):
        load_config("local", environ={}).time_zone("xx")


def test_table_paths_join_root_layer_and_table():
    assert table_path("./lakehouse", "cdc", "public_power") == "./lakehouse/cdc/public_power"
    assert (
        table_path("abfss://lake@acct.dfs.core.windows.net/energy/", "gold", "daily_production_trend")
        == "abfss://lake@acct.dfs.core.windows.net/energy/gold/daily_production_trend"
    )


def test_job_arguments_parse_and_reject_bad_dates(capsys):
    args = parse_job_args(["--start", "2026-10-01", "--end", "2026-10-31", "--country", "DE"], "job")
    assert (args.start, args.end, args.country, args.full_refresh) == (
        date(2026, 10, 1),
        date(2026, 10, 31),
        "de",
        False,
    )

    with pytest.raises(SystemExit):
        parse_job_args(["--start", "2026-13-01", "--country", "de"], "job")
    assert "expected a date as YYYY-MM-DD, got '2026-13-01'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_job_args(["--start", "2026-10-02", "--end", "2026-10-01", "--country", "de"], "job")
    assert "--start 2026-10-02 is after --end 2026-10-01" in capsys.readouterr().err


def test_default_window_is_yesterday_local_and_the_lookback_before_it():
    # 23:30Z on 24 Nov is already 25 Nov in Berlin, so "yesterday" is 24 Nov.
    now = datetime(2026, 11, 24, 23, 30, tzinfo=timezone.utc)

    assert default_window(None, None, now, "Europe/Berlin", 7) == (date(2026, 11, 17), date(2026, 11, 24))
    assert default_window(date(2026, 11, 1), None, now, "Europe/Berlin", 7) == (
        date(2026, 11, 1),
        date(2026, 11, 24),
    )


def test_local_days_map_to_utc_instants_across_dst():
    assert local_days_utc_range(date(2026, 3, 29), date(2026, 3, 29), "Europe/Berlin") == (
        datetime(2026, 3, 28, 23, tzinfo=timezone.utc),
        datetime(2026, 3, 29, 22, tzinfo=timezone.utc),
    )
    assert local_days_utc_range(date(2026, 10, 25), date(2026, 10, 25), "Europe/Berlin") == (
        datetime(2026, 10, 24, 22, tzinfo=timezone.utc),
        datetime(2026, 10, 25, 23, tzinfo=timezone.utc),
    )


def test_day_sets_expand_and_group_into_ranges():
    days = {date(2026, 1, 10), date(2026, 1, 20)}

    assert expand_days(days, before=1, after=2) == {
        date(2026, 1, 9), date(2026, 1, 10), date(2026, 1, 11), date(2026, 1, 12),
        date(2026, 1, 19), date(2026, 1, 20), date(2026, 1, 21), date(2026, 1, 22),
    }  # fmt: skip
    assert contiguous_ranges(expand_days(days, after=9)) == [(date(2026, 1, 10), date(2026, 1, 29))]
    assert contiguous_ranges([]) == []


def test_month_starts_cover_the_utc_months_touched():
    start, end = local_days_utc_range(date(2026, 3, 1), date(2026, 4, 30), "Europe/Berlin")

    # Local 1 March starts on 28 Feb in UTC; local 30 April ends on 30 April 22:00Z.
    assert month_starts(start, end) == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]


def test_an_empty_date_means_not_given():
    # Databricks passes an empty job parameter through as "--end ''".
    args = parse_job_args(["--start", "", "--end", "", "--country", "de"], "job")

    assert (args.start, args.end) == (None, None)
