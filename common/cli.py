"""The command line every job shares: the same flags under spark-submit, make and Databricks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from common.config import Config, ConfigError


@dataclass(frozen=True)
class JobArgs:
    start: date | None = None
    end: date | None = None
    country: str | None = None
    bidding_zone: str | None = None
    env: str | None = None
    full_refresh: bool = False

    def as_params(self) -> dict[str, str | bool | None]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "country": self.country,
            "bidding_zone": self.bidding_zone,
            "env": self.env,
            "full_refresh": self.full_refresh,
        }


def _iso_date(text: str) -> date | None:
    # An empty value means "not given", so schedulers can pass an empty job parameter.
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def build_parser(description: str, needs: Sequence[str] = ("country",), full_refresh: bool = False):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--start", type=_iso_date, help="first local day (YYYY-MM-DD), inclusive")
    parser.add_argument("--end", type=_iso_date, help="last local day (YYYY-MM-DD), inclusive")
    if "country" in needs:
        parser.add_argument("--country", required=True, type=str.lower, help="country code, e.g. de")
    if "bidding_zone" in needs:
        parser.add_argument("--bidding-zone", required=True, type=str.upper, help="bidding zone, e.g. DE-LU")
    parser.add_argument("--env", help="config environment under conf/ (default $LAKEHOUSE_ENV or local)")
    if full_refresh:
        parser.add_argument("--full-refresh", action="store_true", help="rebuild the target from its source")
    return parser


def parse_job_args(
    argv: Sequence[str] | None,
    description: str,
    needs: Sequence[str] = ("country",),
    full_refresh: bool = False,
) -> JobArgs:
    parser = build_parser(description, needs, full_refresh)
    ns = parser.parse_args(argv)
    if ns.start and ns.end and ns.start > ns.end:
        parser.error(f"--start {ns.start} is after --end {ns.end}")
    return JobArgs(
        start=ns.start,
        end=ns.end,
        country=getattr(ns, "country", None),
        bidding_zone=getattr(ns, "bidding_zone", None),
        env=ns.env,
        full_refresh=getattr(ns, "full_refresh", False),
    )


def default_window(
    start: date | None, end: date | None, now_utc: datetime, time_zone: str, lookback_days: int
) -> tuple[date, date]:
    """Missing dates default to yesterday (local) and the look-back before it, so late revisions of
    recent days are fetched again."""
    end = end or (now_utc.astimezone(ZoneInfo(time_zone)).date() - timedelta(days=1))
    start = start or (end - timedelta(days=lookback_days))
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    return start, end


def utc_instant(text: str) -> datetime:
    """An ISO-8601 instant from config ('2025-09-30T22:00:00Z') as an aware UTC datetime."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"instant {text!r} has no UTC offset")
    return parsed.astimezone(timezone.utc)


# --- entry points: a user's mistakes as one line, not a traceback ----------------------------------------

USER_ERROR_EXIT = 2


def run_cli(main: Callable[[Sequence[str] | None], Any], argv: Sequence[str] | None = None) -> None:
    """Run an entry point's `main(argv)`; a ConfigError (unknown environment, country or zone, a
    missing variable, a malformed conf/ file) ends the process with one line on stderr naming the fix
    and exit status 2, without a traceback. Every job file, jobs/pipeline.py and jobs/registry.py end
    with `run_cli(main)`; any other error keeps its traceback (a bug or an outage, not a user's slip)."""
    try:
        main(argv)
    except ConfigError as exc:
        message = " ".join(str(exc).split())  # one line, whatever the message holds
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(USER_ERROR_EXIT) from None


def check_config(config: Config, country: str | None = None, bidding_zone: str | None = None) -> None:
    """Raise ConfigError now, before a Spark session is built, for whatever a run of this scope would
    trip over later: the lakehouse root (its variables), the country's time zone, the bidding zone and
    the storage credentials."""
    from common import azure  # plain Python; imported here as common.azure imports common.config

    _ = config.lakehouse_root
    if country:
        config.time_zone(country)
    if bidding_zone:
        config.bidding_zone(bidding_zone)
    azure.storage_settings(config)
