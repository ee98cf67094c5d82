"""Solar plant tables for BI: the site and sensor dimensions (every field of the sensor registry, kept
in step with it by key) and the daily KPI fact table of the solar sites (IEC 61724-1 style)."""

from __future__ import annotations

from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DoubleType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from schemas.iot_registry import SENSOR_FIELDS, SITE_FIELDS, RegistryField
from schemas.spec import TableSpec, column

# Registry field kind -> the Spark type of its dimension column.
_TYPE_OF_KIND: dict[str, DataType] = {
    "id": StringType(),
    "text": StringType(),
    "time_zone": StringType(),
    "choice": StringType(),
    "configured": StringType(),
    "number": DoubleType(),
    "positive": DoubleType(),
}


def _registry_columns(fields: tuple[RegistryField, ...]) -> list[StructField]:
    """One column per declared registry field (so a new field is a new column), then the undeclared
    fields as JSON, then the bookkeeping of the snapshot merge (common.tables.merge_snapshot)."""
    declared = [
        column(f.name, _TYPE_OF_KIND[f.kind], f"Registry: {f.comment}", nullable=f.required is not True)
        for f in fields
    ]
    return [
        *declared,
        column(
            "extra_json",
            StringType(),
            "Registry fields not declared in schemas/iot_registry.py, as a JSON object with sorted keys "
            "('{}' when none); query with get_json_object(extra_json, '$.name')",
            nullable=False,
        ),
        column(
            "in_registry",
            BooleanType(),
            "True while the entry is in the registry; false once removed (the row stays for old facts)",
            nullable=False,
        ),
        column("first_seen_at", TimestampType(), "Run time when the entry first appeared", nullable=False),
        column(
            "updated_at",
            TimestampType(),
            "Run time of the last change of any field (removal and return included)",
            nullable=False,
        ),
        column("removed_at", TimestampType(), "Run time when the entry left the registry; null while in it"),
        column(
            "record_hash",
            StringType(),
            "SHA-256 of the registry fields, for change detection",
            nullable=False,
        ),
    ]


def _dimension(name: str, fields: tuple[RegistryField, ...], key: str, entries: str) -> TableSpec:
    return TableSpec(
        layer="gold",
        name=name,
        comment=f"Every {entries[:-1]} of the sensor registry, one row per {key}, merged by key on each run: "
        f"a changed field updates the row, a removed {entries[:-1]} stays with in_registry = false.",
        schema=StructType(_registry_columns(fields)),
        keys=(key,),
        change_data_feed=True,
    )


DIM_SITE = _dimension("dim_site", SITE_FIELDS, "site_id", "sites")
DIM_SENSOR = _dimension("dim_sensor", SENSOR_FIELDS, "sensor_id", "sensors")

# The columns of a dimension that are not registry values (the rest make up record_hash).
DIM_BOOKKEEPING = ("in_registry", "first_seen_at", "updated_at", "removed_at", "record_hash")


def dim_value_columns(spec: TableSpec) -> tuple[str, ...]:
    return tuple(c for c in spec.column_names if c not in DIM_BOOKKEEPING)


def _kpi(name: str, comment: str) -> StructField:
    return column(name, DoubleType(), comment)


SOLAR_SITE_DAILY = TableSpec(
    layer="gold",
    name="solar_site_daily",
    comment="Daily KPIs of each solar site on its local calendar day, from the 1-minute means of its "
    "sensors (README: Solar plant KPIs): energy, irradiation, yields, performance ratio, availability, "
    "market value and the national fleet comparison.",
    schema=StructType(
        [
            column("site_id", StringType(), "Solar site (gold/dim_site)", nullable=False),
            column("date", DateType(), "Local calendar day in the site's time_zone", nullable=False),
            column(
                "minutes_in_day",
                DoubleType(),
                "Minutes of the local day (1380, 1440 or 1500)",
                nullable=False,
            ),
            column(
                "ac_power_minutes",
                DoubleType(),
                "Minutes with an ac_power mean of at least one ac_power sensor",
                nullable=False,
            ),
            _kpi("ac_energy_kwh", "Σ ac_power_kw · (1/60 h) over minutes with an ac_power mean; kWh"),
            _kpi(
                "poa_irradiation_kwh_m2",
                "Σ irradiance_w_m2 / 1000 · (1/60 h) over minutes with an irradiance mean; kWh/m²",
            ),
            _kpi(
                "specific_yield_kwh_kwp", "Final yield Y_f = ac_energy_kwh / dc_capacity_kwp; kWh/kWp (= h)"
            ),
            _kpi("reference_yield_h", "Reference yield Y_r = poa_irradiation_kwh_m2 / 1 kW/m²; h"),
            _kpi(
                "performance_ratio",
                "Σ P_ac·Δt / (dc_capacity_kwp · Σ G/1000·Δt) over minutes with both means; null when "
                "Σ G/1000·Δt there is below solar.min_reference_yield_h",
            ),
            _kpi(
                "performance_ratio_temp_corrected",
                "As performance_ratio, each minute's denominator term × (1 + γ·(T_module − 25 °C)), over "
                "minutes with all three means; same null rule",
            ),
            _kpi(
                "availability",
                "Share of daylight minutes (irradiance ≥ solar.daylight_w_m2) with an ac_power mean whose "
                "ac_power > solar.producing_share × ac_capacity_kw; null without such minutes",
            ),
            _kpi("peak_ac_power_kw", "Highest per-minute ac_power (sum over sensors); kW"),
            _kpi("data_completeness", "ac_power_minutes / minutes_in_day"),
            _kpi(
                "market_value_eur",
                "Σ ac_power_kw·Δt/1000 (MWh) × day-ahead price of the zone's interval containing the minute; "
                "null without bidding_zone or when a minute with ac_power > 0 has no price; EUR",
            ),
            _kpi("capture_price_eur_mwh", "market_value_eur / (ac_energy_kwh / 1000); EUR/MWh"),
            _kpi(
                "fleet_specific_yield_kwh_kwp",
                "The country's Solar energy_mwh that local day / its installed Solar capacity in MW; "
                "kWh/kWp (= h); null without country, energy or capacity",
            ),
            _kpi("relative_to_fleet", "specific_yield_kwh_kwp / fleet_specific_yield_kwh_kwp"),
            column("run_id", StringType(), "Run that computed the row (audit)", nullable=False),
            column("computed_at", TimestampType(), "When the row was computed (audit)", nullable=False),
        ]
    ),
    keys=("site_id", "date"),
    partition_by=("site_id",),
)
