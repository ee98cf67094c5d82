"""Planning gold recomputation from the Change Data Feed (first run, changed local days, nothing new,
a re-fetch confirming stored values, a feed that can no longer be read, a rebuild-on-change source),
the reach of each gold window derived from its parameter, and what a quarantined recomputed gold row
does under incremental and full runs."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from common import tables
from common.cli import JobArgs
from common.config import conf_dir
from common.incremental import Dates, GoldJob, LocalDays, RefreshPlan, Source, plan_refresh, save_offsets
from common.runs import job_run
from jobs.lib import daily_price_wind, daily_production_trend, underperformance_features
from jobs.transform import daily_production_trend as trend_job
from schemas import (
    CDC_INSTALLED_POWER,
    CDC_PUBLIC_POWER,
    DAILY_PRODUCTION_TREND,
    UNDERPERFORMANCE_FEATURES,
    quarantine_spec,
)
from tests.test_cdc_merge import FETCH_1, FETCH_2, INSTALLED_STAGED, RUN_1, RUN_2, merge, merge_rows, utc

SOURCE = Source(CDC_PUBLIC_POWER, "country", "de", LocalDays("Europe/Berlin"))
INSTALLED = Source(CDC_INSTALLED_POWER, "country", "de", rebuild_on_change=True)
CONFIRMED = FETCH_1 + timedelta(hours=1)  # a later fetch of the same values


def plan(full_refresh: bool = False, sources=(SOURCE,)):
    with job_run("transform.test", JobArgs(env="test")) as run:
        result = plan_refresh(run, list(sources), full_refresh)
        save_offsets(run, list(sources), result)
    return result


def test_changed_local_days_come_from_the_feed_since_the_last_plan(spark, lakehouse):
    late_evening = utc(2026, 10, 24, 22, 30)  # already 25 Oct in Berlin
    merge(spark, lakehouse, [("Solar", late_evening, 1.0, FETCH_1, "r1")], RUN_1)
    assert plan().full  # no recorded version yet

    assert plan().is_empty  # nothing new since
    # Fetched again, the same value: a new cdc version whose feed holds an update (fetched_at moved)
    # but no value change. Nothing to recompute; the offset moves past it.
    merge(spark, lakehouse, [("Solar", late_evening, 1.0, CONFIRMED, "r1b")], RUN_2)
    confirmed = plan()
    assert confirmed.is_empty and confirmed.advanced
    assert not plan().advanced
    merge(spark, lakehouse, [("Solar", late_evening, 2.0, FETCH_2, "r2")], RUN_2)

    later = plan()
    assert (later.full, later.units(SOURCE)) == (False, frozenset({date(2026, 10, 25)}))
    assert later.versions == {"cdc/public_power": tables.current_version(spark, lakehouse, CDC_PUBLIC_POWER)}


def test_an_unreadable_feed_falls_back_to_a_full_rebuild(spark, lakehouse):
    merge(spark, lakehouse, [("Solar", utc(2026, 10, 20), 1.0, FETCH_1, "r1")], RUN_1)
    plan()
    merge(spark, lakehouse, [("Solar", utc(2026, 10, 20), 2.0, FETCH_2, "r2")], RUN_2)
    # What VACUUM does to change files older than the retention period.
    shutil.rmtree(Path(tables.spec_path(lakehouse, CDC_PUBLIC_POWER)) / "_change_data")

    assert plan().full


def test_an_installed_capacity_revision_rebuilds_the_country_and_another_country_does_not(spark, lakehouse):
    aug = date(2026, 8, 1)
    merge_rows(spark, lakehouse, CDC_INSTALLED_POWER, [
        ("de", "Solar AC", "monthly", aug, 100.0, None, FETCH_1, "r1"),
        ("fr", "Solar AC", "monthly", aug, 20.0, None, FETCH_1, "r1"),
    ], INSTALLED_STAGED, RUN_1)  # fmt: skip
    merge(spark, lakehouse, [("Solar", utc(2026, 10, 20), 1.0, FETCH_1, "r1")], RUN_1)
    sources = (SOURCE, INSTALLED)
    assert plan(sources=sources).full  # first run

    merge_rows(spark, lakehouse, CDC_INSTALLED_POWER, [
        ("fr", "Solar AC", "monthly", aug, 21.0, None, FETCH_2, "r2"),
    ], INSTALLED_STAGED, RUN_2)  # fmt: skip
    assert plan(sources=sources).is_empty  # France's revision is not Germany's
    merge_rows(spark, lakehouse, CDC_INSTALLED_POWER, [
        ("de", "Solar AC", "monthly", aug, 100.0, None, CONFIRMED, "r1b"),
    ], INSTALLED_STAGED, RUN_2)  # fmt: skip
    assert plan(sources=sources).is_empty  # the whole history fetched again confirms Germany's value

    merge_rows(spark, lakehouse, CDC_INSTALLED_POWER, [
        ("de", "Solar AC", "monthly", aug, 101.5, None, FETCH_2, "r2"),
    ], INSTALLED_STAGED, RUN_2)  # fmt: skip
    assert plan(sources=sources).full


CAPACITY = {"Solar": ["Solar AC", "Solar"]}
ONWARD = Source(
    CDC_INSTALLED_POWER,
    "country",
    "de",
    rebuild_on_change=True,
    changed_from=lambda changed_df, installed_df: underperformance_features.capacity_change_start(
        changed_df, installed_df, CAPACITY
    ),
)


def installed(spark, config, rows, run_ts):
    """Merge (production_type, time_step, period_start, installed_gw, fetched_at) rows of Germany."""
    staged = [
        ("de", series, step, start, gw, None, fetched, "r") for series, step, start, gw, fetched in rows
    ]
    merge_rows(spark, config, CDC_INSTALLED_POWER, staged, INSTALLED_STAGED, run_ts)


def test_a_capacity_change_recomputes_from_the_first_month_it_moves_onward(spark, lakehouse):
    jul, aug, sep = date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)
    installed(spark, lakehouse, [("Solar AC", "monthly", jul, 100.0, FETCH_1),
                                 ("Solar AC", "monthly", aug, 101.0, FETCH_1)], RUN_1)  # fmt: skip
    merge(spark, lakehouse, [("Solar", utc(2026, 10, 20), 1.0, FETCH_1, "r1")], RUN_1)
    sources = (SOURCE, ONWARD)
    assert plan(sources=sources).full  # first run

    # August revised and September new: August 1st and every later day.
    installed(spark, lakehouse, [("Solar AC", "monthly", aug, 102.0, FETCH_2),
                                 ("Solar AC", "monthly", sep, 103.0, FETCH_2)], RUN_2)  # fmt: skip
    revised = plan(sources=sources)
    assert (revised.full, revised.is_empty, revised.onward_from) == (False, False, aug)
    assert revised.onward == {"cdc/installed_power": aug}
    # The same values fetched again: no changed row, nothing moves, the offsets move on.
    installed(spark, lakehouse, [("Solar AC", "monthly", aug, 102.0, CONFIRMED),
                                 ("Solar AC", "monthly", sep, 103.0, CONFIRMED)], RUN_2)  # fmt: skip
    confirmed = plan(sources=sources)
    assert confirmed.is_empty and confirmed.advanced and confirmed.onward == {}
    # A yearly row and an unconfigured series are never read: nothing moves, the offsets move on.
    installed(spark, lakehouse, [("Solar AC", "yearly", date(2026, 1, 1), 99.0, FETCH_2),
                                 ("Biomass", "monthly", aug, 9.0, FETCH_2)], RUN_2)  # fmt: skip
    unread = plan(sources=sources)
    assert unread.is_empty and unread.advanced and unread.onward == {}
    # The first monthly row of another configured series may change the series chosen: rebuild.
    installed(spark, lakehouse, [("Solar", "monthly", sep, 98.0, FETCH_2)], RUN_2)
    assert plan(sources=sources).full


def test_underperformance_features_after_a_capacity_revision_rewrites_only_the_later_days_as_a_rebuild_would(
    spark, lakehouse
):
    from jobs.transform import underperformance_features as features_job

    def run_job(*flags: str) -> dict[tuple, dict]:
        features_job.main(["--country", "de", "--env", "test", *flags])
        rows = tables.read_table(spark, lakehouse, UNDERPERFORMANCE_FEATURES).collect()
        return {(r.production_type, r.interval_start): r.asDict() for r in rows}

    # Solar at noon (Berlin) on 30 July … 2 August, capacity 100 GW in July and 110 GW in August.
    noon = [utc(2026, 7, 30, 10) + timedelta(days=d) for d in range(4)]
    merge(spark, lakehouse, [("Solar", ts, 40_000.0 + d, FETCH_1, "r1") for d, ts in enumerate(noon)], RUN_1)
    noon = [ts.replace(tzinfo=None) for ts in noon]  # as collected: naive UTC (the session's time zone)
    jul, aug = date(2026, 7, 1), date(2026, 8, 1)
    installed(spark, lakehouse, [("Solar AC", "monthly", jul, 100.0, FETCH_1),
                                 ("Solar AC", "monthly", aug, 110.0, FETCH_1)], RUN_1)  # fmt: skip
    first = run_job()
    assert {k[1]: r["installed_mw"] for k, r in first.items()} == {
        noon[0]: 100_000.0,
        noon[1]: 100_000.0,
        noon[2]: 110_000.0,
        noon[3]: 110_000.0,
    }

    installed(spark, lakehouse, [("Solar AC", "monthly", aug, 125.0, FETCH_2)], RUN_2)
    revised = run_job()
    rewritten = {k[1] for k, r in revised.items() if r["run_id"] != first[k]["run_id"]}
    assert rewritten == {noon[2], noon[3]}  # the August days; July's rows are left alone
    assert revised[("Solar", noon[2])]["installed_mw"] == 125_000.0
    assert revised[("Solar", noon[3])]["capacity_factor"] == pytest.approx(40_003.0 / 125_000.0, rel=1e-12)

    rebuilt = run_job("--full-refresh")
    audit = ("run_id", "computed_at")
    assert {k: {c: v for c, v in r.items() if c not in audit} for k, r in rebuilt.items()} == {
        k: {c: v for c, v in r.items() if c not in audit} for k, r in revised.items()
    }


def test_write_and_read_units_follow_each_sources_reach():
    day = date(2026, 10, 25)
    berlin = LocalDays("Europe/Berlin")
    power = Source(CDC_PUBLIC_POWER, "country", "de", berlin, reach=6)
    price = Source(CDC_PUBLIC_POWER, "country", "de", berlin, reach=0)
    job = GoldJob(
        DAILY_PRODUCTION_TREND, {"country": "de"}, [power, price, INSTALLED], lambda *d: d[0], Dates()
    )
    changed = {power.name: frozenset({day})}

    assert job.write_units(RefreshPlan(versions={}, full=False, changed=changed)) == {
        day + timedelta(days=k) for k in range(7)
    }
    assert job.write_units(RefreshPlan(versions={}, full=True)) is None
    assert berlin.expand({day}, before=2) == {date(2026, 10, 23), date(2026, 10, 24), day}


def test_sources_without_a_unit_or_with_half_a_scope_are_refused():
    with pytest.raises(ValueError, match="cdc/public_power: an incremental source needs a unit of recompute"):
        Source(CDC_PUBLIC_POWER, "country", "de")
    with pytest.raises(ValueError, match="cdc/public_power: give both scope_column and scope, or neither"):
        Source(CDC_PUBLIC_POWER, "country", None, LocalDays("UTC"))
    with pytest.raises(ValueError, match="cdc/public_power: reach must be 0 or more units, not -1"):
        Source(CDC_PUBLIC_POWER, None, None, LocalDays("UTC"), reach=-1)


def test_each_reach_is_derived_from_the_window_parameter_the_transform_uses():
    assert daily_production_trend.trailing_reach() == 6  # the 7-day mean
    assert daily_price_wind.trailing_reach(corr_days=30, min_corr_rows=10, min_intraday_pairs=4) == 29
    assert underperformance_features.window_reach(expected_days=28, min_expected_values=7) == 28


def test_settings_that_break_a_windows_assumptions_are_refused_at_start():
    with pytest.raises(ValueError, match=r"^underperformance_features settings: expected_days 6 is shorter "
                       r"than the 7-day lag$"):  # fmt: skip
        underperformance_features.window_reach(expected_days=6, min_expected_values=3)
    with pytest.raises(ValueError, match=r"min_expected_values 29 is not within 1 … expected_days 28"):
        underperformance_features.window_reach(expected_days=28, min_expected_values=29)
    with pytest.raises(ValueError, match=r"^daily_price_wind settings: min_corr_rows 31 exceeds corr_days "
                       r"30: never enough rows$"):  # fmt: skip
        daily_price_wind.trailing_reach(corr_days=30, min_corr_rows=31, min_intraday_pairs=4)
    with pytest.raises(ValueError, match="min_intraday_pairs 1 is below 2"):
        daily_price_wind.trailing_reach(corr_days=30, min_corr_rows=10, min_intraday_pairs=1)


def test_a_job_with_settings_that_break_a_window_fails_before_planning(spark, lakehouse, monkeypatch):
    from jobs.transform import underperformance_features as features_job

    monkeypatch.setenv("LAKEHOUSE_CONF_DIR", str(strict_conf(lakehouse, {}, expected_days=5)))
    with pytest.raises(ValueError, match="expected_days 5 is shorter than the 7-day lag"):
        features_job.main(["--country", "de"])
    assert not Path(tables.spec_path(lakehouse, CDC_PUBLIC_POWER)).exists()  # nothing was read


ENERGY_LIMIT = {
    "name": "energy_mwh_at_most_1000",
    "type": "expect_column_values_to_be_between",
    "kwargs": {"column": "energy_mwh", "max_value": 1000},
    "severity": "error",
    "level": "row",
}


def strict_conf(config, extra_expectation: dict, expected_days: int | None = None) -> Path:
    """A copy of conf/ whose gold/daily_production_trend suite quarantines rows above 1000 MWh (or
    whose expected-cf window is `expected_days`)."""
    target = Path(config.lakehouse_root).parent / "conf"
    shutil.copytree(conf_dir(), target)
    if extra_expectation:
        suite_path = target / "suites" / "gold" / "daily_production_trend.yaml"
        suite = yaml.safe_load(suite_path.read_text(encoding="utf-8"))
        suite["expectations"].append(extra_expectation)
        suite_path.write_text(yaml.safe_dump(suite), encoding="utf-8")
    if expected_days is not None:
        common_path = target / "common.yaml"
        settings = yaml.safe_load(common_path.read_text(encoding="utf-8"))
        settings["underperformance_features"]["expected_days"] = expected_days
        common_path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return target


def solar_day(mw: float) -> list[tuple]:
    """Four quarter-hours of Solar on local day 2026-10-20 (Berlin, UTC+2): energy = 4 × mw × 0.25."""
    start = utc(2026, 10, 20, 10)
    return [("Solar", start + timedelta(minutes=15 * i), mw, FETCH_1, "r1") for i in range(4)]


def test_a_quarantined_recomputed_row_keeps_the_stored_row_until_a_full_refresh(
    spark, lakehouse, monkeypatch
):
    monkeypatch.setenv("LAKEHOUSE_CONF_DIR", str(strict_conf(lakehouse, ENERGY_LIMIT)))
    key = ("de", date(2026, 10, 20), "Solar")
    merge(spark, lakehouse, solar_day(100.0), RUN_1)
    trend_job.main(["--country", "de"])
    stored = {(r.country, r.date, r.production_type): r for r in tables.read_table(
        spark, lakehouse, DAILY_PRODUCTION_TREND).collect()}  # fmt: skip
    assert list(stored) == [key] and stored[key].energy_mwh == 100.0

    # A revision to 2000 MW makes the recomputed row 2000 MWh: quarantined, so the merge skips it.
    merge(spark, lakehouse, [(s, ts, 2000.0, FETCH_2, "r2") for s, ts, *_ in solar_day(0.0)], RUN_2)
    trend_job.main(["--country", "de"])

    after = tables.read_table(spark, lakehouse, DAILY_PRODUCTION_TREND).collect()
    assert [(r.energy_mwh, r.run_id) for r in after] == [(100.0, stored[key].run_id)]
    quarantined = tables.read_table(spark, lakehouse, quarantine_spec(DAILY_PRODUCTION_TREND)).collect()
    assert [(r.country, r.date, r.production_type, r.energy_mwh, r.reason) for r in quarantined] == [
        (*key, 2000.0, "energy_mwh_at_most_1000")
    ]

    trend_job.main(["--country", "de", "--full-refresh"])

    assert tables.read_table(spark, lakehouse, DAILY_PRODUCTION_TREND).count() == 0
    assert tables.read_table(spark, lakehouse, quarantine_spec(DAILY_PRODUCTION_TREND)).count() == 2
