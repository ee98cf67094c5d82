"""The sensor registry's declared shape (`conf/iot/sensors.yaml`): the fields of a site and of a sensor
with their types and whether they are required, the site kinds, and the sensor kinds with the one
unit each is measured in. Pure Python: the MQTT collector and the site simulator read it without Spark."""

from __future__ import annotations

from dataclasses import dataclass

SOLAR = "solar"
WIND = "wind"
SITE_KINDS = (SOLAR, WIND)

# Sensor kind -> the unit its readings are published in (the `unit` of the message contract too).
UNIT_OF_KIND = {
    "irradiance_poa": "W/m2",
    "module_temperature": "degC",
    "ambient_temperature": "degC",
    "ac_power": "kW",
    "wind_speed": "m/s",
}
SENSOR_KINDS = tuple(UNIT_OF_KIND)
UNITS = tuple(sorted(set(UNIT_OF_KIND.values())))

# The sensors a site of each kind carries in the demo registry (the simulator models these).
SENSOR_KINDS_OF_SITE = {
    SOLAR: ("irradiance_poa", "module_temperature", "ambient_temperature", "ac_power"),
    WIND: ("wind_speed", "ac_power"),
}

# Characters an id may not hold: ids are MQTT topic levels (`sensors/{site_id}/{sensor_id}`).
FORBIDDEN_ID_CHARACTERS = "/+#"


@dataclass(frozen=True)
class RegistryField:
    """One field of a registry entry.

    `kind` is `id` (a non-empty string usable as an MQTT topic level), `text`, `number` (int or float,
    never a boolean), `positive` (a number > 0), `time_zone` (an IANA name), `choice` (one of
    `choices`), or `configured`: one of the names configured under the config section `choices[0]`
    (e.g. `bidding_zones`), spelled as there. `required` is True, False, or the site kinds that must have
    the field."""

    name: str
    kind: str
    comment: str
    required: bool | tuple[str, ...] = True
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


SITE_FIELDS = (
    RegistryField("site_id", "id", "unique id of the site, the second level of its sensors' topics"),
    RegistryField("name", "text", "display name"),
    RegistryField("kind", "choice", "solar or wind", choices=SITE_KINDS),
    RegistryField("time_zone", "time_zone", "IANA time zone of the site's local days"),
    RegistryField("latitude", "number", "degrees north", low=-90, high=90),
    RegistryField("longitude", "number", "degrees east", low=-180, high=180),
    RegistryField("dc_capacity_kwp", "positive", "DC (module) capacity in kWp", required=(SOLAR,)),
    RegistryField("ac_capacity_kw", "positive", "AC (inverter / grid connection) capacity in kW"),
    RegistryField(
        "bidding_zone",
        "configured",
        "day-ahead bidding zone the site sells into (a zone under bidding_zones in conf/); "
        "none: no market value",
        required=False,
        choices=("bidding_zones",),
    ),
    RegistryField(
        "country",
        "configured",
        "country of the site (a country under countries in conf/); none: no national fleet comparison",
        required=False,
        choices=("countries",),
    ),
)

SENSOR_FIELDS = (
    RegistryField("sensor_id", "id", "unique id of the sensor, the last level of its topic"),
    RegistryField("site_id", "id", "the site the sensor belongs to (declared under sites)"),
    RegistryField("kind", "choice", "what the sensor measures", choices=SENSOR_KINDS),
    RegistryField("unit", "choice", "the unit of its readings; must be the unit of its kind", choices=UNITS),
    RegistryField("valid_min", "number", "lowest plausible reading (inclusive)"),
    RegistryField("valid_max", "number", "highest plausible reading (inclusive); above valid_min"),
    RegistryField("expected_interval_s", "positive", "seconds between two readings"),
)
