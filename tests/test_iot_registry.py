"""The sensor registry: the demo file loads, where the file is looked up, and every kind of bad entry is
refused with an error naming the file, the list, the entry and the field."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from common.config import ConfigError, conf_dir, load_config
from common.iot_registry import Registry, Sensor, Site, load_registry, parse_registry, registry_path
from schemas.iot_registry import SENSOR_KINDS_OF_SITE, UNIT_OF_KIND

pytestmark = pytest.mark.iot

GOOD = {
    "sites": [
        {"site_id": "solar-a", "name": "Solar Park A", "kind": "solar", "time_zone": "Europe/Berlin",
         "latitude": 48.1, "longitude": 11.6, "dc_capacity_kwp": 5000, "ac_capacity_kw": 4200,
         "bidding_zone": "DE-LU", "country": "de"},
        {"site_id": "wind-c", "name": "Wind Farm C", "kind": "wind", "time_zone": "Europe/Berlin",
         "latitude": 54.3, "longitude": 9.1, "ac_capacity_kw": 12000, "hub_height_m": 120},
    ],
    "sensors": [
        {"sensor_id": "solar-a-poa-1", "site_id": "solar-a", "kind": "irradiance_poa", "unit": "W/m2",
         "valid_min": 0, "valid_max": 1500, "expected_interval_s": 10},
        {"sensor_id": "wind-c-ws-1", "site_id": "wind-c", "kind": "wind_speed", "unit": "m/s",
         "valid_min": 0, "valid_max": 60.5, "expected_interval_s": 60, "model": "Thies 4.3351"},
    ],
}  # fmt: skip


def changed(list_name: str, index: int, **fields) -> dict:
    document = copy.deepcopy(GOOD)
    for name, value in fields.items():
        if value is None:
            document[list_name][index].pop(name)
        else:
            document[list_name][index][name] = value
    return document


def test_parses_sites_and_sensors_in_file_order_with_extra_fields_kept():
    registry = parse_registry(GOOD, "reg.yaml")
    assert registry.sites[0] == Site(
        site_id="solar-a", name="Solar Park A", kind="solar", time_zone="Europe/Berlin",
        latitude=48.1, longitude=11.6, dc_capacity_kwp=5000, ac_capacity_kw=4200,
        bidding_zone="DE-LU", country="de",
    )  # fmt: skip
    assert (registry.site("wind-c").bidding_zone, registry.site("wind-c").country) == (None, None)
    assert [s.site_id for s in registry.sites] == ["solar-a", "wind-c"]
    assert registry.site("wind-c").dc_capacity_kwp is None
    assert dict(registry.site("wind-c").extra) == {"hub_height_m": 120}
    assert registry.sensor("wind-c-ws-1") == Sensor(
        sensor_id="wind-c-ws-1", site_id="wind-c", kind="wind_speed", unit="m/s",
        valid_min=0, valid_max=60.5, expected_interval_s=60,
    )  # fmt: skip
    assert dict(registry.sensor("wind-c-ws-1").extra) == {"model": "Thies 4.3351"}
    assert registry.sensor("solar-a-poa-1").topic == "sensors/solar-a/solar-a-poa-1"
    assert registry.sensors_of("solar-a") == (registry.sensor("solar-a-poa-1"),)
    with pytest.raises(KeyError, match="nope"):
        registry.sensor("nope")


def test_demo_registry_has_two_solar_sites_in_two_time_zones_and_one_wind_site():
    registry = load_registry(path=conf_dir() / "iot" / "sensors.yaml")
    solar = [s for s in registry.sites if s.kind == "solar"]
    assert {s.time_zone for s in solar} == {"Europe/Berlin", "Europe/Madrid"}
    assert [s.kind for s in registry.sites].count("wind") == 1
    for site in registry.sites:
        assert sorted(s.kind for s in registry.sensors_of(site.site_id)) == sorted(
            SENSOR_KINDS_OF_SITE[site.kind]
        )
    assert {s.expected_interval_s for s in registry.sensors} == {10, 60}
    assert all(s.unit == UNIT_OF_KIND[s.kind] for s in registry.sensors)
    # Only the German sites have a market: conf/ (and the market simulator) know no Spanish zone.
    assert {(s.time_zone, s.bidding_zone, s.country) for s in registry.sites} == {
        ("Europe/Berlin", "DE-LU", "de"),
        ("Europe/Madrid", None, None),
    }


def test_path_comes_from_argument_then_env_then_config(tmp_path, monkeypatch):
    monkeypatch.delenv("IOT_REGISTRY", raising=False)
    config = load_config("test")
    assert registry_path(config) == conf_dir() / "iot" / "sensors.yaml"
    custom = load_config("test", environ={})
    object.__setattr__(custom, "settings", {**custom.settings, "iot": {"registry": "elsewhere/r.yaml"}})
    assert registry_path(custom) == conf_dir() / "elsewhere" / "r.yaml"
    from_env = tmp_path / "env.yaml"
    from_env.write_text(yaml.safe_dump(GOOD))
    monkeypatch.setenv("IOT_REGISTRY", str(from_env))
    assert registry_path(custom) == from_env
    assert isinstance(load_registry(custom), Registry)
    assert registry_path(custom, path="given.yaml") == Path("given.yaml")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (changed("sites", 1, site_id="solar-a"),
         "sites[1] (site_id 'solar-a'): duplicate site_id 'solar-a' (first at sites[0])"),
        (changed("sensors", 1, sensor_id="solar-a-poa-1"),
         "sensors[1] (sensor_id 'solar-a-poa-1'): duplicate sensor_id"),
        (changed("sensors", 0, site_id="solar-x"),
         "sensors[0] (sensor_id 'solar-a-poa-1'): field 'site_id': unknown site 'solar-x'"),
        (changed("sensors", 1, unit="kW"),
         "sensors[1] (sensor_id 'wind-c-ws-1'): field 'unit': 'kW' does not fit kind 'wind_speed' "
         "(expected 'm/s')"),
        (changed("sensors", 0, valid_min=1500),
         "sensors[0] (sensor_id 'solar-a-poa-1'): field 'valid_min': 1500 is not below valid_max 1500"),
        (changed("sensors", 0, unit="W/m²"), "field 'unit': 'W/m²': expected one of"),
        (changed("sensors", 0, kind="humidity"), "field 'kind': 'humidity': expected one of"),
        (changed("sensors", 0, valid_max="1500"), "field 'valid_max': '1500': expected a number"),
        (changed("sensors", 0, valid_max=True), "field 'valid_max': True: expected a number"),
        (changed("sensors", 0, expected_interval_s=0),
         "field 'expected_interval_s': 0: expected a number above 0"),
        (changed("sensors", 0, expected_interval_s=None), "field 'expected_interval_s' is required"),
        (changed("sensors", 0, sensor_id="a/b"), "field 'sensor_id': 'a/b': an id is an MQTT topic level"),
        (changed("sites", 0, dc_capacity_kwp=None),
         "sites[0] (site_id 'solar-a'): field 'dc_capacity_kwp' is required"),
        (changed("sites", 0, time_zone="Mars/Olympus"),
         "field 'time_zone': 'Mars/Olympus': not an IANA time zone"),
        (changed("sites", 0, bidding_zone="ES"),
         "sites[0] (site_id 'solar-a'): field 'bidding_zone': 'ES': not configured under bidding_zones "
         "in conf/ (known: ['AT', 'DE-LU', 'FR', 'NL'])"),
        (changed("sites", 0, bidding_zone="de-lu"), "field 'bidding_zone': 'de-lu': not configured"),
        (changed("sites", 0, country="es"), "field 'country': 'es': not configured under countries"),
        (changed("sites", 0, country=7), "field 'country': 7: expected a non-empty string"),
        (changed("sites", 0, latitude=91), "field 'latitude': 91: expected a number from -90 to 90"),
        (changed("sites", 1, kind="hydro"), "sites[1] (site_id 'wind-c'): field 'kind': 'hydro'"),
        ({"sites": GOOD["sites"]}, "'sensors' must be a list of entries"),
        ({**GOOD, "devices": []}, "unknown top-level keys ['devices']"),
    ],
)  # fmt: skip
def test_refuses_a_bad_entry_naming_it(document, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_registry(document, "reg.yaml")


def test_load_refuses_a_bad_file_naming_the_file(tmp_path):
    bad = tmp_path / "sensors.yaml"
    bad.write_text(yaml.safe_dump(changed("sensors", 0, site_id="ghost")))
    with pytest.raises(ConfigError, match=re.escape(f"{bad}: sensors[0] (sensor_id 'solar-a-poa-1')")):
        load_registry(path=bad)


def test_registry_imports_without_spark_and_spark_jobs_without_paho():
    probe = (
        "import sys, common.iot_registry; assert 'pyspark' not in sys.modules, 'registry pulled in pyspark'; "
        "import jobs.cdc.public_power, jobs.transform.daily_production_trend; "
        "assert not [m for m in sys.modules if m.startswith('paho')], 'a Spark job pulled in paho'"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[1], check=True)
