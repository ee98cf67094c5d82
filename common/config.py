"""Configuration: `conf/common.yaml`, the environment's `conf/<env>/config.yaml` on top, then a few
environment variables on top of that. Code reads settings from here, never from literals."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_ENV = "local"

# Environment variable -> dotted key it overrides. Secrets never live in conf/; they are read from
# the environment by the code that needs them.
ENV_OVERRIDES = {
    "LAKEHOUSE_ROOT": "lakehouse_root",
    "ENERGY_CHARTS_BASE_URL": "energy_charts.base_url",
    "ENERGY_CHARTS_PACE_S": "energy_charts.pace_s",
    # ADLS Gen2 (conf/adls, conf/databricks): the parts of the abfss:// root and the auth mode.
    "AZURE_STORAGE_ACCOUNT": "adls.account",
    "AZURE_STORAGE_CONTAINER": "adls.container",
    "LAKEHOUSE_ADLS_PREFIX": "adls.prefix",
    "LAKEHOUSE_ADLS_AUTH": "adls.auth",
    # The MQTT collector (jobs/collect): broker, and what differs between collectors sharing the load.
    "MQTT_URL": "iot.broker_url",
    "IOT_SPOOL_DIR": "iot.collector.spool_dir",
    "IOT_CLIENT_ID": "iot.collector.client_id",
    "IOT_SHARE_GROUP": "iot.collector.share_group",
}

# `{dotted.key}` in lakehouse_root is filled from the settings (see conf/adls/config.yaml).
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")


class ConfigError(ValueError):
    """Configuration is missing or inconsistent."""


def conf_dir() -> Path:
    """Where conf/ lives: $LAKEHOUSE_CONF_DIR, else beside the installed packages (repo checkout)."""
    explicit = os.environ.get("LAKEHOUSE_CONF_DIR")
    if explicit:
        return Path(explicit)
    return Path(__file__).resolve().parent.parent / "conf"


@dataclass(frozen=True)
class Config:
    """The merged settings of one environment."""

    env: str
    settings: Mapping[str, Any] = field(repr=False)

    @property
    def lakehouse_root(self) -> str:
        """`lakehouse_root`, its `{dotted.key}` placeholders filled from the settings."""
        return _PLACEHOLDER.sub(self._root_part, str(self.require("lakehouse_root"))).rstrip("/")

    def _root_part(self, match: re.Match[str]) -> str:
        key = match.group(1)
        value = self.get(key)
        if value is None:
            variables = [name for name, dotted in ENV_OVERRIDES.items() if dotted == key]
            hint = f" (or set {variables[0]})" if variables else ""
            raise ConfigError(f"config '{self.env}': lakehouse_root needs setting '{key}'{hint}")
        return str(value).strip("/")

    def get(self, dotted_key: str, default: Any = None) -> Any:
        node: Any = self.settings
        for part in dotted_key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def require(self, dotted_key: str) -> Any:
        value = self.get(dotted_key)
        if value is None:
            raise ConfigError(f"config '{self.env}': missing setting '{dotted_key}'")
        return value

    def time_zone(self, country: str) -> str:
        """IANA time zone of a country code (case-insensitive), from `countries.<code>.time_zone`."""
        countries = self.require("countries")
        entry = countries.get(country.lower())
        if not entry or "time_zone" not in entry:
            raise ConfigError(
                f"config '{self.env}': no time zone for country '{country}': use one of {sorted(countries)} "
                f"or add countries.{country.lower()}.time_zone to conf/common.yaml"
            )
        return entry["time_zone"]

    def bidding_zone(self, zone: str) -> Mapping[str, Any]:
        """Settings of a bidding zone (case-insensitive): time_zone, country, price_15min_from."""
        zones = {name.upper(): entry for name, entry in self.require("bidding_zones").items()}
        entry = zones.get(zone.upper())
        if not entry:
            raise ConfigError(
                f"config '{self.env}': unknown bidding zone '{zone}': use one of {sorted(zones)} or add it "
                "under bidding_zones in conf/common.yaml"
            )
        missing = [k for k in ("time_zone", "country", "price_15min_from") if k not in entry]
        if missing:
            raise ConfigError(
                f"config '{self.env}': bidding zone '{zone}' lacks {missing} under bidding_zones "
                f"(known zones: {sorted(zones)})"
            )
        return entry


def load_config(env: str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Load the settings of `env` (default: $LAKEHOUSE_ENV, else 'local')."""
    environ = os.environ if environ is None else environ
    env = env or environ.get("LAKEHOUSE_ENV") or DEFAULT_ENV
    base = conf_dir()
    env_file = base / env / "config.yaml"
    if not env_file.is_file():
        known = (
            sorted(p.name for p in base.iterdir() if (p / "config.yaml").is_file()) if base.is_dir() else []
        )
        raise ConfigError(
            f"unknown environment '{env}': no {env_file} (known: {known}); pick one with --env, "
            "LAKEHOUSE_ENV or make ENV=…"
        )
    settings = deep_merge(read_yaml(base / "common.yaml"), read_yaml(env_file))
    for variable, dotted_key in ENV_OVERRIDES.items():
        if environ.get(variable):
            settings = deep_merge(settings, _nested(dotted_key, environ[variable]))
    return Config(env=env, settings=settings)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A new dict: `override` on top of `base`, merging nested mappings key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _nested(dotted_key: str, value: Any) -> dict[str, Any]:
    node: Any = value
    for part in reversed(dotted_key.split(".")):
        node = {part: node}
    return node


# libyaml's safe loader where PyYAML was built with it (ten times faster), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file whose top level is a mapping; ConfigError naming the file otherwise."""
    if not path.is_file():
        raise ConfigError(f"missing config file {path}")
    with path.open(encoding="utf-8") as handle:
        try:
            loaded = yaml.load(handle, Loader=_YAML_LOADER) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or type(exc).__name__
            raise ConfigError(f"{path}: not valid YAML{where} ({problem}): fix the file") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return loaded
