"""The sensor registry: which sites and sensors exist, read from `conf/iot/sensors.yaml` (or the file
named by `IOT_REGISTRY` / config `iot.registry`) and checked against schemas/iot_registry.py. A registry
that does not fit is refused with a ConfigError naming the file, the list, the entry and the field.
Pure Python, no Spark: the collector and the simulator use it as well as the Spark jobs."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from common.config import Config, ConfigError, conf_dir, load_config, read_yaml
from schemas.iot_registry import (
    FORBIDDEN_ID_CHARACTERS,
    SENSOR_FIELDS,
    SITE_FIELDS,
    UNIT_OF_KIND,
    RegistryField,
)

REGISTRY_VARIABLE = "IOT_REGISTRY"
REGISTRY_KEY = "iot.registry"
DEFAULT_REGISTRY = "iot/sensors.yaml"  # relative to conf_dir()
TOPIC_ROOT = "sensors"

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str
    kind: str
    time_zone: str
    latitude: float
    longitude: float
    ac_capacity_kw: float
    dc_capacity_kwp: float | None = None
    bidding_zone: str | None = None
    country: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)


@dataclass(frozen=True)
class Sensor:
    sensor_id: str
    site_id: str
    kind: str
    unit: str
    valid_min: float
    valid_max: float
    expected_interval_s: float
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)

    @property
    def topic(self) -> str:
        """The topic the sensor publishes on (README "Message contract")."""
        return f"{TOPIC_ROOT}/{self.site_id}/{self.sensor_id}"


@dataclass(frozen=True)
class Registry:
    """Sites and sensors in file order; `source` is the file they were read from."""

    sites: tuple[Site, ...]
    sensors: tuple[Sensor, ...]
    source: str = ""

    def site(self, site_id: str) -> Site:
        for site in self.sites:
            if site.site_id == site_id:
                return site
        raise KeyError(f"{self.source}: no site {site_id!r}")

    def sensor(self, sensor_id: str) -> Sensor:
        for sensor in self.sensors:
            if sensor.sensor_id == sensor_id:
                return sensor
        raise KeyError(f"{self.source}: no sensor {sensor_id!r}")

    def sensors_of(self, site_id: str) -> tuple[Sensor, ...]:
        return tuple(sensor for sensor in self.sensors if sensor.site_id == site_id)


def registry_path(config: Config | None = None, path: str | os.PathLike[str] | None = None) -> Path:
    """The registry file: `path`, else $IOT_REGISTRY, else config `iot.registry` (relative to conf/),
    else conf/iot/sensors.yaml."""
    if path is not None:
        return Path(path)
    if os.environ.get(REGISTRY_VARIABLE):
        return Path(os.environ[REGISTRY_VARIABLE])
    configured = (config or load_config()).get(REGISTRY_KEY) or DEFAULT_REGISTRY
    return conf_dir() / configured


def load_registry(config: Config | None = None, path: str | os.PathLike[str] | None = None) -> Registry:
    """Read and check the registry (see registry_path for which file); ConfigError when it does not fit."""
    source = registry_path(config, path)
    return parse_registry(read_yaml(source), str(source), config)


def parse_registry(
    document: Mapping[str, Any], source: str = "<registry>", config: Config | None = None
) -> Registry:
    """A Registry from the parsed YAML document; ConfigError naming the first entry that does not fit.
    `configured` fields (a site's bidding_zone, country) are checked against `config` (default:
    load_config())."""
    config = config or load_config()
    configured = {
        spec.choices[0]: tuple(config.get(spec.choices[0]) or ())
        for spec in (*SITE_FIELDS, *SENSOR_FIELDS)
        if spec.kind == "configured"
    }
    unknown = sorted(set(document) - {"sites", "sensors"})
    if unknown:
        raise ConfigError(f"{source}: unknown top-level keys {unknown}; expected 'sites' and 'sensors'")
    sites = tuple(
        Site(**values, extra=extra)
        for values, extra in _entries(document, "sites", "site_id", SITE_FIELDS, source, configured)
    )
    site_by_id = {site.site_id: site for site in sites}
    sensors = tuple(
        Sensor(**values, extra=extra)
        for values, extra in _entries(document, "sensors", "sensor_id", SENSOR_FIELDS, source, configured)
    )
    for index, sensor in enumerate(sensors):
        where = f"{source}: sensors[{index}] (sensor_id {sensor.sensor_id!r})"
        if sensor.site_id not in site_by_id:
            raise ConfigError(
                f"{where}: field 'site_id': unknown site {sensor.site_id!r} (sites: {sorted(site_by_id)})"
            )
        expected_unit = UNIT_OF_KIND[sensor.kind]
        if sensor.unit != expected_unit:
            raise ConfigError(
                f"{where}: field 'unit': {sensor.unit!r} does not fit kind {sensor.kind!r} "
                f"(expected {expected_unit!r})"
            )
        if sensor.valid_min >= sensor.valid_max:
            raise ConfigError(
                f"{where}: field 'valid_min': {sensor.valid_min} is not below valid_max {sensor.valid_max}"
            )
    return Registry(sites=sites, sensors=sensors, source=source)


def _entries(
    document: Mapping[str, Any],
    list_name: str,
    id_field: str,
    fields: Sequence[RegistryField],
    source: str,
    configured: Mapping[str, Sequence[str]],
) -> list[tuple[dict[str, Any], Mapping[str, Any]]]:
    """(declared values, extra fields) of each entry of one list, ids unique."""
    entries = document.get(list_name)
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: '{list_name}' must be a list of entries, got {type(entries).__name__}")
    declared = {f.name for f in fields}
    seen: dict[str, int] = {}
    parsed = []
    for index, entry in enumerate(entries):
        entry_id = entry.get(id_field) if isinstance(entry, Mapping) else None
        where = f"{source}: {list_name}[{index}]" + (f" ({id_field} {entry_id!r})" if entry_id else "")
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: expected a mapping of fields, got {entry!r}")
        values = {}
        for spec in fields:
            value = entry.get(spec.name)
            if value is None:
                kinds = spec.required
                if kinds is True or (not isinstance(kinds, bool) and entry.get("kind") in kinds):
                    raise ConfigError(f"{where}: field '{spec.name}' is required ({spec.comment})")
                continue
            values[spec.name] = _checked(spec, value, where, configured)
        if entry_id in seen:
            first = f"{list_name}[{seen[entry_id]}]"
            raise ConfigError(f"{where}: duplicate {id_field} {entry_id!r} (first at {first})")
        seen[entry_id] = index
        extra = MappingProxyType({key: value for key, value in entry.items() if key not in declared})
        parsed.append((values, extra))
    return parsed


def _checked(spec: RegistryField, value: Any, where: str, configured: Mapping[str, Sequence[str]]) -> Any:
    """The value of one field, or ConfigError saying what the field expects."""
    problem = None
    is_text = spec.kind in ("id", "text", "time_zone", "choice", "configured")
    if is_text and not (isinstance(value, str) and value.strip()):
        problem = "expected a non-empty string"
    elif spec.kind == "id" and any(c in value for c in FORBIDDEN_ID_CHARACTERS):
        problem = f"an id is an MQTT topic level and may not contain any of {FORBIDDEN_ID_CHARACTERS!r}"
    elif spec.kind == "choice" and value not in spec.choices:
        problem = f"expected one of {list(spec.choices)}"
    elif spec.kind == "configured" and value not in configured[spec.choices[0]]:
        known = sorted(configured[spec.choices[0]])
        problem = f"not configured under {spec.choices[0]} in conf/ (known: {known})"
    elif spec.kind == "time_zone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            problem = "not an IANA time zone"
    elif spec.kind in ("number", "positive"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problem = "expected a number"
        elif spec.kind == "positive" and not value > 0:
            problem = "expected a number above 0"
        elif (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
            problem = f"expected a number from {spec.low} to {spec.high}"
    if problem:
        raise ConfigError(f"{where}: field '{spec.name}': {value!r}: {problem}")
    return value
