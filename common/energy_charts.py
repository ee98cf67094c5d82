"""Client of the Energy-Charts API (`/public_power`, `/price`, `/installed_power`): paced requests,
urllib3 retries with backoff and Retry-After, and every 200 response checked before it is returned."""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from schemas.energy_charts import required_payload_keys

if TYPE_CHECKING:
    from common.config import Config
    from common.progress import FetchProgress

RETRY_STATUSES = (429, 500, 502, 503, 504)
_LABEL_FORMATS = {"MM.YYYY": re.compile(r"(0[1-9]|1[0-2])\.\d{4}"), "YYYY": re.compile(r"\d{4}")}


class EnergyChartsError(Exception):
    """A request to the Energy-Charts API failed; the message names the endpoint and parameters."""


class EnergyChartsHTTPError(EnergyChartsError):
    """An unexpected HTTP status, or no usable answer after every retry."""


class MalformedResponseError(EnergyChartsError):
    """A 200 response that is not valid JSON or not in the expected shape."""


@dataclass(frozen=True)
class ApiResponse:
    """One HTTP response as received: the raw body for landing, the parsed payload (None for a 404)."""

    endpoint: str
    params: dict[str, str]
    http_status: int
    fetched_at: datetime
    body: str
    payload: dict[str, Any] | None

    @property
    def value_count(self) -> int:
        """How many values the response carries (0 for a 404): what its window adds to staging."""
        if self.payload is None:
            return 0
        if "price" in self.payload:
            return len(self.payload["price"])
        return sum(len(series["data"]) for series in self.payload.get("production_types", ()))

    @property
    def request_params_json(self) -> str:
        return json.dumps(self.params, sort_keys=True, separators=(",", ":"))


def split_windows(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Consecutive inclusive windows of at most `days` days covering [start, end]."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if days < 1:
        raise ValueError(f"window length must be at least 1 day, not {days}")
    windows = []
    while start <= end:
        last = min(start + timedelta(days=days - 1), end)
        windows.append((start, last))
        start = last + timedelta(days=1)
    return windows


# --- response checks: each raises ValueError naming the problem ---------------------------------------
# The one contract of a response's shape: checked here, before anything lands, with the keys of the
# payload schemas (schemas/energy_charts.py) the parsers read the bodies with.


def _require_keys(payload: Any, *keys: str) -> None:
    if not isinstance(payload, dict):
        raise ValueError(f"expected a JSON object, got {type(payload).__name__}")
    missing = [k for k in keys if k not in payload]
    if missing:
        raise ValueError(f"missing key(s) {', '.join(map(repr, missing))}")


def _is_number(value: Any) -> bool:
    # bool is an int in Python but true/false is no measurement; NaN never comes from valid JSON.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_values(label: str, values: Any, expected: int, of_what: str) -> None:
    if not isinstance(values, list):
        raise ValueError(f"{label} is not a list: {values!r:.80}")
    if len(values) != expected:
        raise ValueError(f"{label} has {len(values)} values for {expected} {of_what}")
    for i, value in enumerate(values):
        if value is not None and not _is_number(value):
            raise ValueError(f"{label} has a value that is not a number or null at index {i}: {value!r}")


def _check_series(payload: dict[str, Any], expected: int, of_what: str) -> None:
    series_list = payload["production_types"]
    if not isinstance(series_list, list):
        raise ValueError("production_types is not a list")
    for i, series in enumerate(series_list):
        if not isinstance(series, dict) or not isinstance(series.get("name"), str):
            raise ValueError(f"production_types[{i}] has no string 'name'")
        if "data" not in series:
            raise ValueError(f"series {series['name']!r} has no 'data'")
        _check_values(f"series {series['name']!r}", series["data"], expected, of_what)


def _check_unix_seconds(payload: dict[str, Any]) -> int:
    stamps = payload["unix_seconds"]
    if not isinstance(stamps, list):
        raise ValueError("unix_seconds is not a list")
    for i, ts in enumerate(stamps):
        if not isinstance(ts, int) or isinstance(ts, bool):
            raise ValueError(f"unix_seconds has a value that is not an integer at index {i}: {ts!r}")
        if i and ts <= stamps[i - 1]:
            raise ValueError(f"unix_seconds not strictly increasing at index {i}: {ts} after {stamps[i - 1]}")
    return len(stamps)


def check_public_power(payload: Any) -> None:
    """Raise ValueError unless `payload` is a well-formed /public_power response."""
    _require_keys(payload, *required_payload_keys("/public_power"))
    _check_series(payload, _check_unix_seconds(payload), "timestamps")


def check_price(payload: Any) -> None:
    """Raise ValueError unless `payload` is a well-formed /price response."""
    _require_keys(payload, *required_payload_keys("/price"))
    _check_values("price", payload["price"], _check_unix_seconds(payload), "timestamps")
    if not isinstance(payload["unit"], str):
        raise ValueError(f"unit is not a string: {payload['unit']!r}")


def check_installed_power(payload: Any) -> None:
    """Raise ValueError unless `payload` is a well-formed /installed_power response."""
    _require_keys(payload, *required_payload_keys("/installed_power"))
    labels = payload["time"]
    if not isinstance(labels, list):
        raise ValueError("time is not a list")
    if labels:
        fmt = next((f for f, pattern in _LABEL_FORMATS.items() if _matches(pattern, labels[0])), None)
        for i, label in enumerate(labels):
            if fmt is None or not _matches(_LABEL_FORMATS[fmt], label):
                raise ValueError(f"time label {label!r} at index {i}: labels must all be MM.YYYY or all YYYY")
    _check_series(payload, len(labels), "time labels")


def _matches(pattern: re.Pattern[str], label: Any) -> bool:
    return isinstance(label, str) and pattern.fullmatch(label) is not None


CHECKS: dict[str, Callable[[Any], None]] = {
    "/public_power": check_public_power,
    "/price": check_price,
    "/installed_power": check_installed_power,
}


# --- the client ---------------------------------------------------------------------------------------


def _describe(endpoint: str, params: dict[str, str]) -> str:
    return f"Energy-Charts {endpoint} ({', '.join(f'{k}={v}' for k, v in sorted(params.items()))})"


def _dates(start: date, end: date) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


class EnergyChartsClient:
    """Paced, retrying GETs against one Energy-Charts base URL (the public API or the simulator)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 30.0,
        max_retries: int = 5,
        backoff_factor: float = 1.0,
        pace_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.pace_s = pace_s
        self._clock, self._sleep, self._now = clock, sleep, now
        self._last_start: float | None = None
        retry = Retry(
            total=max_retries,
            connect=max_retries,
            read=max_retries,
            status=max_retries,
            other=0,
            backoff_factor=backoff_factor,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,  # hand back the last response so its status can be reported
        )
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "energy-lakehouse"
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    @classmethod
    def from_config(cls, config: Config) -> EnergyChartsClient:
        """A client from the `energy_charts.*` settings (environment overrides arrive as strings)."""
        return cls(
            str(config.require("energy_charts.base_url")),
            timeout_s=float(config.get("energy_charts.timeout_s", 30.0)),
            max_retries=int(config.get("energy_charts.max_retries", 5)),
            backoff_factor=float(config.get("energy_charts.backoff_factor", 1.0)),
            pace_s=float(config.get("energy_charts.pace_s", 1.0)),
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> EnergyChartsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def public_power(
        self,
        country: str,
        start: date,
        end: date,
        window_days: int = 7,
        progress: FetchProgress | None = None,
    ) -> list[ApiResponse]:
        """Public net power of a country over local days [start, end], one request per window."""
        return self._windows("/public_power", {"country": country}, start, end, window_days, progress)

    def price(
        self,
        bidding_zone: str,
        start: date,
        end: date,
        window_days: int = 31,
        progress: FetchProgress | None = None,
    ) -> list[ApiResponse]:
        """Day-ahead prices of a bidding zone (e.g. DE-LU) over local days [start, end]."""
        return self._windows("/price", {"bzn": bidding_zone}, start, end, window_days, progress)

    def _windows(
        self,
        endpoint: str,
        scope: dict[str, str],
        start: date,
        end: date,
        window_days: int,
        progress: FetchProgress | None,
    ) -> list[ApiResponse]:
        """One GET per window of [start, end], in order, reporting each to `progress`."""
        windows = split_windows(start, end, window_days)
        if progress is not None:
            progress.start(len(windows))
        responses = []
        try:
            for window in windows:
                responses.append(self.get(endpoint, {**scope, **_dates(*window)}))
                if progress is not None:
                    progress.advance(responses[-1].value_count)
        finally:
            if progress is not None:
                progress.close()
        return responses

    def installed_power(
        self, country: str, time_step: str = "monthly", installation_decommission: bool = False
    ) -> ApiResponse:
        """The whole installed-capacity history of a country."""
        params = {
            "country": country,
            "time_step": time_step,
            "installation_decommission": "true" if installation_decommission else "false",
        }
        return self.get("/installed_power", params)

    def get(self, endpoint: str, params: dict[str, str]) -> ApiResponse:
        """One paced GET. 404 means "no data for this window" and comes back with payload None."""
        check, where = CHECKS[endpoint], _describe(endpoint, params)
        self._pace()
        try:
            response = self._session.get(self.base_url + endpoint, params=params, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise EnergyChartsHTTPError(f"{where}: request failed after retries: {exc}") from exc
        fetched_at, status = self._now(), response.status_code
        if status not in (200, 404):
            retried = " after retries" if status in RETRY_STATUSES else ""
            excerpt = response.content[:200].decode("utf-8", errors="replace")
            raise EnergyChartsHTTPError(f"{where}: HTTP {status}{retried}: {excerpt}")
        try:
            body = response.content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedResponseError(f"{where}: body is not UTF-8: {exc}") from None
        if status == 404:
            return ApiResponse(endpoint, dict(params), 404, fetched_at, body, None)
        try:
            payload = json.loads(body, parse_constant=_reject_constant)
        except ValueError as exc:
            raise MalformedResponseError(f"{where}: invalid JSON: {exc}") from None
        try:
            check(payload)
        except ValueError as exc:
            raise MalformedResponseError(f"{where}: {exc}") from None
        return ApiResponse(endpoint, dict(params), 200, fetched_at, body, payload)

    def _pace(self) -> None:
        """Keep at least pace_s seconds between the starts of consecutive requests."""
        if self._last_start is not None:
            wait = self._last_start + self.pace_s - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_start = self._clock()
