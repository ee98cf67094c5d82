"""A local stand-in for the Energy-Charts API: `/public_power`, `/price` and `/installed_power` in the
real response shapes and time semantics, with deterministic plausible data, a publication edge,
revisions and injectable faults, served by the standard library's threading HTTP server."""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import threading
import time
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

QUARTER_S = 900
HOUR_S = 3600
DAY_S = 86400
# Day-ahead prices are hourly before this instant (2025-10-01 00:00 CEST) and quarter-hourly from it on.
PRICE_SWITCH_TS = 1759269600
NOT_FOUND = {"detail": "Not Found"}
PRICE_LICENSE = "CC BY 4.0 (creativecommons.org/licenses/by/4.0) from Bundesnetzagentur | SMARD.de"
# Faults that change the body of a 200 answer (see _corrupt), then every fault kind.
CORRUPTIONS = ("unequal_arrays", "bad_value", "out_of_range", "duplicate_key")
# "404" answers "no data" for a window that has some (a gap in the source).
FAULT_KINDS = ("429", "500", "404", "timeout", "truncated_json", *CORRUPTIONS)
# The value "out_of_range" puts in the middle of a series: beyond any plausible MW, GW or EUR/MWh figure.
OUT_OF_RANGE = 999999.0

TIME_ZONES = {
    "de": "Europe/Berlin", "de-lu": "Europe/Berlin", "at": "Europe/Vienna", "ch": "Europe/Zurich",
    "nl": "Europe/Amsterdam", "be": "Europe/Brussels", "fr": "Europe/Paris", "it": "Europe/Rome",
    "pl": "Europe/Warsaw", "cz": "Europe/Prague", "dk": "Europe/Copenhagen", "es": "Europe/Madrid",
    "pt": "Europe/Lisbon", "se": "Europe/Stockholm", "no": "Europe/Oslo", "fi": "Europe/Helsinki",
    "ee": "Europe/Tallinn", "lv": "Europe/Riga", "lt": "Europe/Vilnius", "lu": "Europe/Luxembourg",
    "hu": "Europe/Budapest", "sk": "Europe/Bratislava", "si": "Europe/Ljubljana", "hr": "Europe/Zagreb",
    "ro": "Europe/Bucharest", "bg": "Europe/Sofia", "gr": "Europe/Athens", "rs": "Europe/Belgrade",
    "uk": "Europe/London", "gb": "Europe/London", "ie": "Europe/Dublin",
}  # fmt: skip
DEFAULT_TIME_ZONE = "Europe/Berlin"

# Size relative to Germany, latitude and longitude (for the sun) of the simulated countries.
PROFILES = {
    "de": (1.0, 51.0, 10.0), "fr": (1.0, 46.5, 2.5), "it": (0.55, 42.5, 12.5), "es": (0.5, 40.0, -3.7),
    "pl": (0.4, 52.0, 19.0), "nl": (0.25, 52.2, 5.3), "be": (0.18, 50.8, 4.4), "at": (0.15, 47.5, 14.5),
    "ch": (0.12, 46.8, 8.2), "cz": (0.15, 49.8, 15.5), "dk": (0.08, 56.0, 10.0),
}  # fmt: skip
DEFAULT_PROFILE = PROFILES["de"]

DE_SERIES = (
    "Hydro pumped storage consumption", "Cross border electricity trading", "Hydro Run-of-River",
    "Biomass", "Fossil brown coal / lignite", "Fossil hard coal", "Fossil oil", "Fossil coal-derived gas",
    "Fossil gas", "Geothermal", "Hydro water reservoir", "Hydro pumped storage", "Others", "Waste",
    "Wind offshore", "Wind onshore", "Solar", "Load", "Residual load", "Renewable share of load",
    "Renewable share of generation",
)  # fmt: skip
FR_SERIES = (
    "Hydro pumped storage consumption", "Battery Consumption", "Cross border electricity trading",
    "Nuclear", "Hydro Run-of-River", "Biomass", "Fossil oil", "Fossil gas", "Hydro water reservoir",
    "Hydro pumped storage", "Battery", "Waste", "Wind offshore", "Wind onshore", "Solar", "Load",
    "Residual load", "Renewable share of load", "Renewable share of generation",
)  # fmt: skip
# Published last: null within the hour before the publication edge.
LATE_SERIES = ("Load", "Residual load", "Renewable share of load", "Renewable share of generation")
RENEWABLES = (
    "Hydro Run-of-River", "Biomass", "Geothermal", "Hydro water reservoir",
    "Wind offshore", "Wind onshore", "Solar",
)  # fmt: skip
NOT_GENERATION = {
    "Hydro pumped storage consumption", "Battery Consumption", "Cross border electricity trading",
    "Load", "Residual load", "Renewable share of load", "Renewable share of generation",
}  # fmt: skip
# Roughly steady series: German mean MW, relative amplitude of a multi-day and of a daily swing.
STEADY = {
    "Hydro pumped storage consumption": (-700.0, 0.5, 0.45), "Battery Consumption": (-40.0, 0.5, 0.45),
    "Hydro Run-of-River": (1500.0, 0.15, 0.02), "Biomass": (3900.0, 0.05, 0.02),
    "Fossil brown coal / lignite": (8000.0, 0.25, 0.08), "Fossil hard coal": (4000.0, 0.35, 0.15),
    "Fossil oil": (350.0, 0.03, 0.01), "Fossil coal-derived gas": (380.0, 0.1, 0.05),
    "Fossil gas": (6000.0, 0.3, 0.2), "Geothermal": (13.4, 0.01, 0.0),
    "Hydro water reservoir": (130.0, 0.4, 0.3), "Hydro pumped storage": (600.0, 0.5, 0.45),
    "Battery": (40.0, 0.5, 0.45), "Others": (138.0, 0.01, 0.0), "Waste": (1330.0, 0.03, 0.01),
    "Nuclear": (40000.0, 0.1, 0.02),
}  # fmt: skip
INSTALLED_SERIES = (
    "Biomass", "Wind offshore", "Wind onshore", "Solar DC", "Solar AC",
    "Battery storage (power)", "Battery storage (capacity)",
)  # fmt: skip


class _HTTPError(Exception):
    def __init__(self, status: int, payload: dict[str, Any]):
        super().__init__(status)
        self.status, self.payload = status, payload


@dataclass(frozen=True)
class _Fault:
    kind: str
    retry_after: int
    delay_s: float
    # Only requests whose query holds all these parameters (e.g. {"start": "2026-10-26"}) take it.
    params: tuple[tuple[str, str], ...] = ()

    def applies_to(self, params: dict[str, str]) -> bool:
        return all(params.get(key) == value for key, value in self.params)


@dataclass(frozen=True)
class _Day:
    """One local day of a country: its quarter-hour instants and every series' values on them."""

    ts: list[int]
    series: dict[str, list[float]]


# --- place and time ---------------------------------------------------------------------------------


def _country(code: str) -> str:
    """Canonical lower-case country of a country or bidding-zone code ("DE-LU" -> "de", "DK1" -> "dk")."""
    code = code.strip().lower()
    if code == "de-lu":
        return "de"
    if code in TIME_ZONES:
        return code
    head = re.split(r"[-_0-9]", code, maxsplit=1)[0]
    return head if head in TIME_ZONES else code


def _zone(code: str) -> ZoneInfo:
    return ZoneInfo(TIME_ZONES.get(_country(code), DEFAULT_TIME_ZONE))


def _midnight(day: date, tz: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


def _bound(value: str, tz: ZoneInfo, *, is_end: bool) -> int:
    """Unix seconds of a start (inclusive) or end (exclusive) bound. A date is a whole local day; a
    datetime is an instant (UTC when it has no offset) and is included as an end."""
    value = value.strip().replace(" ", "+")  # an unencoded "+02:00" arrives as " 02:00"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = date.fromisoformat(value)
        return _midnight(day + timedelta(days=1) if is_end else day, tz)
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"  # Python 3.10's fromisoformat has no "Z"
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return math.floor(instant.timestamp()) + (1 if is_end else 0)


def _window(params: dict[str, str], tz: ZoneInfo) -> tuple[int, int]:
    try:
        lo = _bound(params["start"], tz, is_end=False)
        hi = _bound(params["end"], tz, is_end=True)
    except ValueError as exc:
        raise _HTTPError(422, {"detail": f"invalid start or end: {exc}"}) from None
    if hi <= lo:
        raise _HTTPError(422, {"detail": "end must not be before start"})
    return lo, hi


def _local_days(lo: int, hi: int, tz: ZoneInfo) -> list[date]:
    first = datetime.fromtimestamp(lo, tz).date()
    last = datetime.fromtimestamp(hi - 1, tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _ceil(ts: int, step: int) -> int:
    return -(-ts // step) * step


# --- the model --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _phase(*key: object) -> float:
    # hashlib, not hash(): str hashes change from one process to the next.
    digest = hashlib.blake2b("|".join(map(str, key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 * 2 * math.pi


def _rounded(values: list[float]) -> list[float]:
    """To 0.1 MW like the real data. floor() is 4× faster than round() and never gives -0.0."""
    floor = math.floor
    return [floor(v * 10 + 0.5) / 10 for v in values]


Basis = tuple[list[float], list[float]]


def _basis(ts: list[int], period_days: float) -> Basis:
    """sin ωt and cos ωt: any sinusoid of this period is then two products, since
    a·sin(ωt + φ) = a·cos φ·sin ωt + a·sin φ·cos ωt (much cheaper than a sin() per series and point)."""
    omega, sin, cos = 2 * math.pi / (period_days * DAY_S), math.sin, math.cos
    return [sin(omega * t) for t in ts], [cos(omega * t) for t in ts]


def _coefficients(amplitude: float, phase: float) -> tuple[float, float]:
    return amplitude * math.cos(phase), amplitude * math.sin(phase)


def _swing(basis: Basis, amplitude: float, phase: float) -> list[float]:
    a, b = _coefficients(amplitude, phase)
    return [a * s + b * c for s, c in zip(*basis, strict=True)]


def _wind(country: str, name: str, waves: dict[float, Basis], season: float) -> list[float]:
    """Capacity factor in [0, 1]: incommensurate swings of days to weeks and a small daily one."""
    weather = _swing(waves[2.9], 0.22, _phase(country, "weather"))  # shared: on- and offshore rise together
    a1, b1 = _coefficients(0.16, _phase(country, name, 1))
    a2, b2 = _coefficients(0.08, _phase(country, name, 2))
    a3, b3 = _coefficients(0.04, _phase(country, name, 3))
    levels = (
        0.5 + w + a1 * s1 + b1 * c1 + a2 * s2 + b2 * c2 + a3 * s3 + b3 * c3
        for w, s1, c1, s2, c2, s3, c3 in zip(weather, *waves[6.3], *waves[13.7], *waves[1.0], strict=True)
    )
    return [min(1.0, x * x * season) for x in levels]


def _load_shape(hour: float) -> float:
    """Daily load in [0, 1] by local clock hour: night trough, late-morning and early-evening peaks."""
    base = 0.5 - 0.5 * math.cos(2 * math.pi * (hour - 3.5) / 24)
    morning = math.exp(-(((hour - 11.5) / 2.5) ** 2))
    evening = math.exp(-(((hour - 19.0) / 2.0) ** 2))
    return min(1.0, 0.75 * base + 0.2 * morning + 0.15 * evening)


def _local_hours(ts: list[int], tz: ZoneInfo) -> list[float]:
    t0, t1 = ts[0], ts[-1]
    if datetime.fromtimestamp(t0, tz).utcoffset() == datetime.fromtimestamp(t1, tz).utcoffset():
        return [(t - t0) / HOUR_S for t in ts]
    local = [datetime.fromtimestamp(t, tz) for t in ts]  # DST day: the clock jumps
    return [d.hour + d.minute / 60 for d in local]


@functools.lru_cache(maxsize=512)  # about 70 kB a day
def _base_day(country: str, day: date) -> _Day:
    """Every series of one local day at revision 0."""
    tz = _zone(country)
    scale, lat, lon = PROFILES.get(country, DEFAULT_PROFILE)
    ts = list(range(_midnight(day, tz), _midnight(day + timedelta(days=1), tz), QUARTER_S))
    waves = {period: _basis(ts, period) for period in (1.0, 2.9, 3.3, 3.7, 4.1, 5.3, 6.3, 7.9, 13.7)}
    doy = day.timetuple().tm_yday
    winter = math.cos(2 * math.pi * (doy - 15) / 365.25)  # 1 in mid-January, -1 in mid-July
    names = FR_SERIES if country == "fr" else DE_SERIES
    values: dict[str, list[float]] = {}

    weekly = (1.0, 1.0, 1.0, 1.0, 0.97, 0.8, 0.68)[day.weekday()] * (1 + 0.1 * winter)
    shape = [_load_shape(h) for h in _local_hours(ts, tz)]
    drift = _swing(waves[3.7], 0.03, _phase(country, "Load"))
    level = ((0.1 + 0.8 * s) * weekly + d for s, d in zip(shape, drift, strict=True))
    values["Load"] = _rounded([scale * (40000.0 + 30000.0 * min(1.0, max(0.0, x))) for x in level])

    wind_season = 0.85 + 0.25 * winter
    onshore, offshore = (_wind(country, name, waves, wind_season) for name in ("onshore", "offshore"))
    values["Wind onshore"] = _rounded([scale * (150.0 + 48000.0 * w) for w in onshore])
    values["Wind offshore"] = _rounded([scale * (50.0 + 8500.0 * w) for w in offshore])

    # The sun's elevation from the solar hour angle; clouds come and go over a few days.
    declination = math.radians(23.44) * math.sin(2 * math.pi * (doy - 81) / 365.25)
    a = math.sin(math.radians(lat)) * math.sin(declination)
    b = math.cos(math.radians(lat)) * math.cos(declination)
    cos_hour_angle = _swing(waves[1.0], 1.0, math.radians(lon) - math.pi / 2)
    clouds = _swing(waves[3.3], 0.25, _phase(country, "clouds", 1))
    fronts = _swing(waves[7.9], 0.15, _phase(country, "clouds", 2))
    sun = zip(cos_hour_angle, clouds, fronts, strict=True)
    values["Solar"] = _rounded([scale * 62000.0 * max(0.0, a + b * h) * (0.6 + c + f) for h, c, f in sun])

    floor = math.floor
    for name in names:
        if name in STEADY:  # mean × (1 + a multi-day swing + a daily swing), rounded in the same pass
            mean, slow, daily = STEADY[name]
            m = 10 * scale * mean
            a1, b1 = _coefficients(m * slow, _phase(country, name, 1))
            a2, b2 = _coefficients(m * daily, _phase(country, name, 2))
            values[name] = [
                floor(m + a1 * s1 + b1 * c1 + a2 * s2 + b2 * c2 + 0.5) / 10
                for s1, c1, s2, c2 in zip(*waves[4.1], *waves[1.0], strict=True)
            ]
    trade = _swing(waves[5.3], 2500.0 * scale, _phase(country, "trade", 1))
    trade_daily = _swing(waves[1.0], 1500.0 * scale, _phase(country, "trade", 2))
    values["Cross border electricity trading"] = _rounded(
        [s + d for s, d in zip(trade, trade_daily, strict=True)]
    )

    values["Residual load"] = _residual(values)
    renewable = [sum(col) for col in zip(*(values[n] for n in RENEWABLES if n in values), strict=True)]
    generation = [
        sum(col)
        for col in zip(*(values[n] for n in names if n in values and n not in NOT_GENERATION), strict=True)
    ]
    values["Renewable share of load"] = _rounded(
        [min(100.0, 100.0 * r / x) for r, x in zip(renewable, values["Load"], strict=True)]
    )
    values["Renewable share of generation"] = _rounded(
        [100.0 * r / g for r, g in zip(renewable, generation, strict=True)]
    )
    return _Day(ts, {name: values[name] for name in names})


def _residual(values: dict[str, list[float]]) -> list[float]:
    """Load less wind and solar, exactly, from the rounded values."""
    columns = zip(
        values["Load"], values["Wind onshore"], values["Wind offshore"], values["Solar"], strict=True
    )
    return _rounded([load - on - off - solar for load, on, off, solar in columns])


@functools.lru_cache(maxsize=256)
def _day(country: str, day: date, revision: int) -> _Day:
    base = _base_day(country, day)
    if revision <= 0:
        return base
    series = dict(base.series)
    lignite = "Fossil brown coal / lignite"
    series[lignite] = _rounded([v + 950.0 * revision for v in series[lignite]])
    series["Solar"] = _rounded([v * (1 + 0.01 * revision) for v in series["Solar"]])
    series["Residual load"] = _residual(series)
    return _Day(base.ts, series)


def _price_at(day: _Day, i: int, hour: float, phase: float) -> float:
    """EUR/MWh: follows the share of load left after wind and sun, which is negative on sunny middays."""
    s = day.series
    load = s["Load"][i]
    residual_share = (load - s["Wind onshore"][i] - s["Wind offshore"][i] - s["Solar"][i]) / load
    evening = 18.0 * math.exp(-(((hour - 19.0) / 2.0) ** 2))
    wobble = 6.0 * math.sin(day.ts[i] / 40000.0 + phase)
    return math.floor((-15.0 + 150.0 * residual_share + evening + wobble) * 100 + 0.5) / 100


def _installed(month: int, name: str) -> float | None:
    """German installed capacity in GW at a month (0 = January 2002), growing like the real history."""
    y = 2002 + month / 12

    def logistic(top: float, mid: float, width: float) -> float:
        return top / (1 + math.exp(-(y - mid) / width))

    if name == "Biomass":
        return 0.3 + logistic(9.2, 2010.0, 2.5)
    if name == "Wind offshore":
        return None if month < 91 else logistic(12.0, 2017.0, 2.0)  # month 91 = 08.2009
    if name == "Wind onshore":
        return 8.8 + 2.2 * (y - 2002) + 0.015 * (y - 2002) ** 2
    solar_dc = 0.19 + logistic(38.0, 2010.5, 1.0) + logistic(130.0, 2026.0, 3.0)
    if name == "Solar DC":
        return solar_dc
    if name == "Solar AC":
        return 0.9 * solar_dc
    battery = logistic(25.0, 2026.0, 1.6)
    return battery if name == "Battery storage (power)" else 1.55 * battery


# --- endpoints --------------------------------------------------------------------------------------


def _require(params: dict[str, str], *names: str) -> None:
    missing = [n for n in names if not params.get(n)]
    if missing:
        detail = [{"type": "missing", "loc": ["query", n], "msg": "Field required"} for n in missing]
        raise _HTTPError(422, {"detail": detail})


def public_power(params: dict[str, str], now: datetime, revision: int) -> dict[str, Any]:
    """The `/public_power` payload for query parameters, or _HTTPError (422, 404)."""
    _require(params, "country", "start", "end")
    country = _country(params["country"])
    tz = _zone(country)
    lo, hi = _window(params, tz)
    edge = math.floor(now.timestamp())
    hi = min(hi, edge + 1)  # nothing after the publication edge
    ts: list[int] = []
    parts: list[tuple[_Day, int, int]] = []
    for day in _local_days(lo, hi, tz):
        data = _day(country, day, revision)
        i, j = bisect_left(data.ts, lo), bisect_left(data.ts, hi)
        if i < j:
            parts.append((data, i, j))
            ts.extend(data.ts[i:j])
    if not ts:
        raise _HTTPError(404, NOT_FOUND)
    late = sum(1 for t in ts if t > edge - HOUR_S)
    production_types = []
    for name in parts[0][0].series:
        values: list[float | None] = []
        for data, i, j in parts:
            values.extend(data.series[name][i:j])
        if name in LATE_SERIES and late:
            values[-late:] = [None] * late
        production_types.append({"name": name, "data": values})
    return {"unix_seconds": ts, "production_types": production_types, "deprecated": False}


def price(params: dict[str, str], now: datetime, revision: int) -> dict[str, Any]:
    """The `/price` payload: hourly before PRICE_SWITCH_TS, quarter-hourly from it, up to the day-ahead
    publication edge (the end of tomorrow from 13:00 local time, else the end of today)."""
    _require(params, "bzn", "start", "end")
    country = _country(params["bzn"])
    tz = _zone(country)
    lo, hi = _window(params, tz)
    local_now = now.astimezone(tz)
    edge = _midnight(local_now.date() + timedelta(days=2 if local_now.hour >= 13 else 1), tz)
    hi = min(hi, edge)
    ts = list(range(_ceil(lo, HOUR_S), min(hi, PRICE_SWITCH_TS), HOUR_S))
    ts += range(max(_ceil(lo, QUARTER_S), PRICE_SWITCH_TS), hi, QUARTER_S)
    if not ts:
        raise _HTTPError(404, NOT_FOUND)
    phase = _phase(country, "price")
    prices = []
    for t in ts:
        local = datetime.fromtimestamp(t, tz)
        data = _day(country, local.date(), 0)
        prices.append(_price_at(data, (t - data.ts[0]) // QUARTER_S, local.hour + local.minute / 60, phase))
    return {
        "license_info": PRICE_LICENSE,
        "unix_seconds": ts,
        "price": prices,
        "unit": "EUR / MWh",
        "deprecated": False,
    }


def installed_power(params: dict[str, str], now: datetime, revision: int) -> dict[str, Any]:
    """The `/installed_power` payload: the whole history from 2002 to now's month (or year)."""
    _require(params, "country", "time_step")
    step = params["time_step"].lower()
    if step not in ("monthly", "yearly"):
        raise _HTTPError(
            422, {"detail": f"time_step must be 'monthly' or 'yearly', not {params['time_step']!r}"}
        )
    scale = PROFILES.get(_country(params["country"]), DEFAULT_PROFILE)[0]
    last = (now.year - 2002) * 12 + now.month - 1
    if step == "monthly":
        months = list(range(last + 1))
        labels = [f"{m % 12 + 1:02d}.{2002 + m // 12}" for m in months]
    else:  # a year's value is its December's, or the current month's for the current year
        months = [min(12 * k + 11, last) for k in range(now.year - 2002 + 1)]
        labels = [str(2002 + k) for k in range(len(months))]
    production_types = []
    for name in INSTALLED_SERIES:
        values = [_installed(m, name) for m in months]
        data = [None if v is None else round(scale * v, 3) for v in values]
        if name.startswith("Battery"):
            data[-1] = None  # reported a month late, like the real series
        if name == "Solar AC" and revision > 0:
            n = 3 if step == "monthly" else 1
            data[-n:] = [None if v is None else round(v + 0.1 * revision, 3) for v in data[-n:]]
        production_types.append({"name": name, "data": data})
    last_update = int(datetime(now.year, now.month, 1, 13, 3, 43, tzinfo=timezone.utc).timestamp())
    return {
        "time": labels,
        "production_types": production_types,
        "last_update": last_update,
        "deprecated": False,
    }


ROUTES = {"/public_power": public_power, "/price": price, "/installed_power": installed_power}


def _corrupt(endpoint: str, payload: dict[str, Any], kind: str) -> None:
    """Break one series of a 200 payload in place (Solar, or the first series; the price): drop its
    last value (unequal_arrays), make its middle one "n/a" (bad_value) or OUT_OF_RANGE (out_of_range).
    duplicate_key sends the series twice under its name (the price: its last instant twice)."""
    if endpoint == "/price":
        values = payload["price"]
    else:
        series = payload["production_types"]
        chosen = next((s for s in series if s["name"] == "Solar"), series[0])
        values = chosen["data"]
    if kind == "unequal_arrays":
        values.pop()
    elif kind == "bad_value":
        values[len(values) // 2] = "n/a"
    elif kind == "out_of_range":
        values[len(values) // 2] = OUT_OF_RANGE
    elif kind == "duplicate_key" and endpoint == "/price":
        payload["unix_seconds"].append(payload["unix_seconds"][-1])
        values.append(values[-1])
    elif kind == "duplicate_key":
        series.append({**chosen, "data": list(values)})


# --- the server -------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for idle keep-alive connections or delayed answers
    simulator: EnergyChartsSimulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out and hang up are part of the game


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if url.path == "/_sim/health":
            return self._send(200, {"status": "ok"})
        route = ROUTES.get(url.path)
        if route is None:
            return self._send(404, NOT_FOUND)
        sim = self.server.simulator
        fault = sim._take(url.path, params)
        if fault and fault.kind == "429":
            return self._send(429, {"detail": "Too Many Requests"}, {"Retry-After": str(fault.retry_after)})
        if fault and fault.kind == "500":
            return self._send(500, {"detail": "Internal Server Error"})
        if fault and fault.kind == "404":
            return self._send(404, NOT_FOUND)
        if fault and fault.kind == "timeout":
            time.sleep(fault.delay_s)
        now = sim.now or datetime.now(timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        try:
            status, payload = 200, route(params, now.astimezone(timezone.utc), sim.revision)
        except _HTTPError as exc:
            status, payload = exc.status, exc.payload
        if fault and status == 200 and fault.kind in CORRUPTIONS:
            _corrupt(url.path, payload, fault.kind)
        body = json.dumps(payload, separators=(",", ":")).encode()
        if fault and fault.kind == "truncated_json":
            body = body[: len(body) // 2]
        self._send_bytes(status, body)

    def do_POST(self) -> None:
        sim = self.server.simulator
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if self.path == "/_sim/faults":
                times = int(body.get("times", 1))
                retry_after, delay_s = int(body.get("retry_after", 1)), float(body.get("delay_s", 2.0))
                sim.inject(body["endpoint"], body["kind"], times, retry_after, delay_s, body.get("params"))
                return self._send(200, {"queued": times})
            if self.path == "/_sim/revision":
                sim.revision = int(body["revision"])
                return self._send(200, {"revision": sim.revision})
        except (ValueError, KeyError, TypeError) as exc:
            return self._send(422, {"detail": f"{type(exc).__name__}: {exc}"})
        self._send(404, NOT_FOUND)

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload, separators=(",", ":")).encode(), headers)

    def _send_bytes(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting


class EnergyChartsSimulator:
    """The simulated API on a local port. `now` is the publication edge (None: the wall clock at each
    request); `revision` > 0 serves revised values; `requests` records every API request received."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, now: datetime | None = None):
        self.now = now
        self.revision = 0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._faults: dict[str, deque[_Fault]] = {}
        self._server = _Server((host, port), _Handler)
        self._server.simulator = self
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EnergyChartsSimulator:
        if self._thread is None:
            # A short poll interval: stop() waits for the serving loop to notice the shutdown.
            serve = functools.partial(self._server.serve_forever, poll_interval=0.02)
            self._thread = threading.Thread(target=serve, name="energy-charts-sim", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the command line)."""
        self._server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> EnergyChartsSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def inject(
        self,
        endpoint: str,
        kind: str,
        times: int = 1,
        retry_after: int = 1,
        delay_s: float = 2.0,
        params: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` requests to `endpoint` with fault `kind` (see FAULT_KINDS); with
        `params`, only the requests whose query holds those parameters (one window of a range)."""
        if endpoint not in ROUTES:
            raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {tuple(ROUTES)}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        with self._lock:
            fault = _Fault(kind, retry_after, delay_s, tuple(sorted((params or {}).items())))
            self._faults.setdefault(endpoint, deque()).extend([fault] * times)

    def _take(self, endpoint: str, params: dict[str, str]) -> _Fault | None:
        """Record a request and pop the fault queued for it, if any."""
        with self._lock:
            self.requests.append((endpoint, params))
            queue = self._faults.get(endpoint) or deque()
            fault = next((f for f in queue if f.applies_to(params)), None)
            if fault is not None:
                queue.remove(fault)  # removes the first equal one: the one found
            return fault
