"""The gold tables' ODCS data contracts (`make catalog` → docs/contracts/<table>.odcs.yaml) are
generated from schemas/, the quality suites and conf/contracts.yaml, and each validates with
jsonschema against the JSON schema the `open-data-contract-standard` package ships (its Pydantic
model alone accepts almost anything)."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from schemas import DAILY_PRICE_WIND, DIM_SITE, SENSOR_READINGS_1MIN
from schemas.catalog import unit_of
from schemas.contracts import contract_yaml, gold_tables, load_terms

CONTRACTS = Path(__file__).resolve().parents[1] / "docs" / "contracts"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("open_data_contract_standard").joinpath("schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    terms = load_terms()
    return {f"{spec.name}.odcs.yaml": contract_yaml(spec, terms) for spec in gold_tables()}


def load(name: str) -> dict:
    return yaml.safe_load((CONTRACTS / f"{name}.odcs.yaml").read_text(encoding="utf-8"))


def test_every_gold_table_has_its_generated_contract(generated):
    assert sorted(p.name for p in CONTRACTS.glob("*.odcs.yaml")) == sorted(generated)
    for name, text in generated.items():
        assert (CONTRACTS / name).read_text(encoding="utf-8") == text, f"run: make catalog ({name})"


def test_every_contract_validates_against_the_odcs_json_schema(validator, generated):
    for name in generated:
        errors = [e.message for e in validator.iter_errors(load(name.removesuffix(".odcs.yaml")))]
        assert errors == [], name


def test_the_validator_rejects_what_the_standard_forbids(validator):
    good = load("daily_price_wind")
    assert validator.is_valid(good)
    for break_it in (
        lambda c: c.pop("id"),
        lambda c: c["schema"][0]["properties"][0].update(logicalType="text"),
        lambda c: c["schema"][0]["quality"][0].pop("engine"),  # a custom rule names its engine
        lambda c: c["schema"][0].update(unit="EUR/MWh"),  # not a field of the standard
    ):
        bad = copy.deepcopy(good)
        break_it(bad)
        assert not validator.is_valid(bad)


def test_contract_carries_keys_units_rules_freshness_and_attribution():
    contract = load("daily_price_wind")
    table = contract["schema"][0]
    columns = {p["name"]: p for p in table["properties"]}
    assert [c for c, p in columns.items() if p.get("primaryKey")] == ["bidding_zone", "date"]
    assert columns["date"]["primaryKeyPosition"] == 2 and columns["date"]["required"] is True
    assert columns["price_avg_eur_mwh"]["customProperties"] == [{"property": "unit", "value": "EUR/MWh"}]
    assert columns["price_avg_eur_mwh"]["description"] == DAILY_PRICE_WIND.comment_of("price_avg_eur_mwh")
    assert "customProperties" not in columns["intraday_corr_price_wind"]
    rules = {r["name"]: r for r in table["quality"]}
    assert sorted(rules) == sorted(
        [
            "key_unique",
            "price_avg_within_min_max",
            "wind_total_is_sum_of_wind",
            "negative_price_hours_within_0_25",
            "intraday_corr_within_minus_1_1",
            "corr_30d_onshore_within_minus_1_1",
            "corr_30d_offshore_within_minus_1_1",
        ]
    )
    assert rules["negative_price_hours_within_0_25"]["implementation"] == {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "negative_price_hours", "min_value": 0, "max_value": 25},
    }
    assert (
        "price_avg_eur_mwh IS NULL"
        in rules["price_avg_within_min_max"]["implementation"]["derive"]["price_avg_within_min_max"]
    )
    latency = next(s for s in contract["slaProperties"] if s["property"] == "latency")
    assert (latency["value"], latency["unit"], latency["element"]) == (1, "d", "daily_price_wind.date")
    custom = {c["property"]: c["value"] for c in contract["customProperties"]}
    assert custom["licence"] == "CC BY 4.0"
    assert custom["attribution"] == "Data: Energy-Charts (Fraunhofer ISE), CC BY 4.0"
    assert [s["source"] for s in custom["sources"]] == ["/price", "/public_power"]
    assert {c["property"]: c["value"] for c in table["customProperties"]}["producing_job"] == (
        "transform.daily_price_wind"
    )


def test_internal_tables_state_their_own_terms():
    custom = {c["property"]: c["value"] for c in load(DIM_SITE.name)["customProperties"]}
    assert custom["licence"].startswith("internal") and custom["attribution"] == ""
    assert [s["source"] for s in custom["sources"]] == ["sensor registry"]
    # The 15-minute bundle job iot_telemetry writes it: its freshness is promised in minutes.
    sla = {p["property"]: (p["value"], p["unit"]) for p in load(SENSOR_READINGS_1MIN.name)["slaProperties"]}
    assert sla == {"latency": (15, "min"), "frequency": (15, "min")}


def test_a_source_without_terms_is_an_error():
    terms = load_terms()
    del terms["sources"]["/price"]
    with pytest.raises(KeyError, match=r"no licence/attribution for sources \['/price'\]"):
        contract_yaml(DAILY_PRICE_WIND, terms)


@pytest.mark.parametrize(
    ("column", "unit"),
    [
        ("price_avg_eur_mwh", "EUR/MWh"),
        ("energy_mwh_7d_avg", "MWh"),
        ("avg_mw", "MW"),
        ("specific_yield_kwh_kwp", "kWh/kWp"),
        ("poa_irradiation_kwh_m2", "kWh/m²"),
        ("negative_price_hours", "h"),
        ("expected_interval_s", "s"),
        ("capacity_factor", None),
        ("sensor_id", None),
    ],
)
def test_unit_of_reads_the_unit_from_the_column_name(column, unit):
    assert unit_of(column) == unit
