"""gold/dim_site and gold/dim_sensor from the sensor registry: every field (extras as JSON), a change
updates the row by key, an unchanged run leaves it alone, a removed entry stays flagged, a returning
one is back in the registry."""

from __future__ import annotations

import copy
import json
from datetime import datetime

import pytest
import yaml
from pyspark.sql import functions as F

from common import tables
from jobs.transform import dim_sensor, dim_site
from schemas import DIM_SENSOR, DIM_SITE
from tests.test_iot_registry import GOOD

pytestmark = pytest.mark.iot


def run_both(path, document) -> None:
    path.write_text(yaml.safe_dump(document))
    dim_site.main([])
    dim_sensor.main([])


def rows(spark, config, spec, key: str) -> dict:
    return {r[key]: r.asDict() for r in tables.read_table(spark, config, spec).collect()}


def test_dimensions_follow_the_registry_by_key(spark, lakehouse, tmp_path, monkeypatch):
    path = tmp_path / "sensors.yaml"
    monkeypatch.setenv("IOT_REGISTRY", str(path))
    run_both(path, GOOD)

    sites = rows(spark, lakehouse, DIM_SITE, "site_id")
    solar = sites["solar-a"]
    assert {k: solar[k] for k in ("name", "kind", "time_zone", "latitude", "longitude", "dc_capacity_kwp",
                                  "ac_capacity_kw", "bidding_zone", "country", "extra_json", "in_registry",
                                  "removed_at")} == {
        "name": "Solar Park A", "kind": "solar", "time_zone": "Europe/Berlin", "latitude": 48.1,
        "longitude": 11.6, "dc_capacity_kwp": 5000.0, "ac_capacity_kw": 4200.0, "bidding_zone": "DE-LU",
        "country": "de", "extra_json": "{}", "in_registry": True, "removed_at": None,
    }  # fmt: skip
    wind = sites["wind-c"]
    assert (wind["dc_capacity_kwp"], wind["bidding_zone"], json.loads(wind["extra_json"])) == (
        None,
        None,
        {"hub_height_m": 120},
    )
    sensors = rows(spark, lakehouse, DIM_SENSOR, "sensor_id")
    assert set(sensors) == {"solar-a-poa-1", "wind-c-ws-1"}
    assert (sensors["wind-c-ws-1"]["valid_max"], sensors["wind-c-ws-1"]["extra_json"]) == (
        60.5,
        '{"model": "Thies 4.3351"}',
    )
    first_seen = solar["first_seen_at"]
    site_version = tables.current_version(spark, lakehouse, DIM_SITE)

    # The same registry again: nothing changes, so the change feed gives the KPI job no reason to rebuild.
    run_both(path, GOOD)
    latest = tables.current_version(spark, lakehouse, DIM_SITE)
    if latest > site_version:  # a MERGE that changes nothing may still commit an empty version
        changes = tables.read_changes(spark, lakehouse, DIM_SITE, site_version + 1, latest)
        assert changes.filter(F.col("_change_type") != "update_preimage").count() == 0
    assert rows(spark, lakehouse, DIM_SITE, "site_id") == sites

    # A changed capacity, a new extra field, a removed sensor.
    changed = copy.deepcopy(GOOD)
    changed["sites"][0]["ac_capacity_kw"] = 4300
    changed["sites"][0]["owner"] = "Stadtwerke"
    del changed["sensors"][1]
    run_both(path, changed)

    sites = rows(spark, lakehouse, DIM_SITE, "site_id")
    assert (sites["solar-a"]["ac_capacity_kw"], sites["solar-a"]["extra_json"]) == (
        4300.0,
        '{"owner": "Stadtwerke"}',
    )
    assert sites["solar-a"]["first_seen_at"] == first_seen
    assert sites["solar-a"]["updated_at"] > first_seen
    sensors = rows(spark, lakehouse, DIM_SENSOR, "sensor_id")
    removed = sensors["wind-c-ws-1"]
    assert (removed["in_registry"], removed["kind"], removed["removed_at"]) == (
        False,
        "wind_speed",
        removed["updated_at"],
    )
    assert isinstance(removed["removed_at"], datetime)

    # The sensor comes back: in the registry again, first_seen_at kept.
    run_both(path, GOOD)
    back = rows(spark, lakehouse, DIM_SENSOR, "sensor_id")["wind-c-ws-1"]
    assert (back["in_registry"], back["removed_at"], back["first_seen_at"]) == (
        True,
        None,
        sensors["wind-c-ws-1"]["first_seen_at"],
    )
