"""Data contracts of the gold tables in the Open Data Contract Standard (ODCS v3): schema with
descriptions, units and keys from schemas/, the quality rules of the table's suite (conf/suites/),
lineage from the job registry, and from conf/contracts.yaml the owner, each upstream source's licence
and attribution and the freshness the producing job promises. `make catalog` writes them to
docs/contracts/<table>.odcs.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from schemas import ALL_TABLES
from schemas.catalog import PROPERTY_PREFIX, grain, table_properties, unit_of, writers
from schemas.spec import TableSpec

API_VERSION = "v3.1.0"
CONTRACTS_FILE = "contracts.yaml"

_LOGICAL_TYPES = {
    "string": "string",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
    "double": "number",
    "float": "number",
    "int": "integer",
    "bigint": "integer",
    "smallint": "integer",
}


def upstream_sources(spec: TableSpec) -> list[str]:
    """Every outside source the table derives from, through the registry's lineage, in first-seen order."""
    found: dict[str, None] = {}
    for job in writers(spec):
        found.update(dict.fromkeys(job.sources))
        for table in job.reads:
            found.update(dict.fromkeys(upstream_sources(table)))
    return list(found)


def load_terms() -> dict[str, Any]:
    """conf/contracts.yaml: owner, sources' terms, freshness per job."""
    from common.config import conf_dir, read_yaml

    return read_yaml(conf_dir() / CONTRACTS_FILE)


def _property(spec: TableSpec, position: int) -> dict[str, Any]:
    field = spec.schema.fields[position]
    physical = field.dataType.simpleString()
    prop: dict[str, Any] = {
        "name": field.name,
        "physicalName": field.name,
        "logicalType": _LOGICAL_TYPES.get(physical, "string"),
        "physicalType": physical,
        "description": spec.comment_of(field.name),
        "required": not field.nullable,
    }
    if field.name in spec.keys:
        prop |= {"primaryKey": True, "primaryKeyPosition": spec.keys.index(field.name) + 1}
    if field.name in spec.partition_by:
        prop |= {"partitioned": True, "partitionKeyPosition": spec.partition_by.index(field.name) + 1}
    unit = unit_of(field.name)
    if unit:
        prop["customProperties"] = [{"property": "unit", "value": unit}]
    return prop


def quality_rules(spec: TableSpec) -> list[dict[str, Any]]:
    """The table's quality suite as ODCS custom rules run by Great Expectations (the checks the job's
    quality gate runs before it writes: error rules quarantine rows or fail the run)."""
    from common.config import load_config
    from common.quality import load_suite

    suite = load_suite(load_config(), spec)
    derived = dict(suite.derive)
    rules = []
    for expectation in suite.expectations:
        implementation: dict[str, Any] = {"type": expectation.type, "kwargs": dict(expectation.kwargs)}
        column = expectation.kwargs.get("column")
        if column in derived:  # the rule checks a column the suite derives: say how
            implementation["derive"] = {column: derived[column]}
        rules.append(
            {
                "name": expectation.name,
                "type": "custom",
                "engine": "great-expectations",
                "implementation": implementation,
                "severity": expectation.severity,
                "description": f"{expectation.level}-level {expectation.type}"
                + (" (failing rows are quarantined)" if expectation.quarantines else ""),
            }
        )
    return rules


def _sla(spec: TableSpec, freshness: Mapping[str, Any]) -> list[dict[str, Any]]:
    jobs = writers(spec)
    promised = [freshness.get(job.name) for job in jobs]
    if not jobs or None in promised:
        missing = [job.name for job, p in zip(jobs, promised, strict=True) if p is None]
        if missing:
            raise KeyError(f"{CONTRACTS_FILE}: no freshness for {missing} (writes {spec.full_name})")
        return []
    element = next(
        (f"{spec.name}.{c}" for c in ("date", "interval_start", "updated_at") if c in spec.column_names), None
    )
    sla = []
    for promise in promised:
        for name in ("latency", "frequency"):
            entry = {"property": name, "value": promise[name]["value"], "unit": promise[name]["unit"]}
            entry["description"] = " ".join(str(promise["description"]).split())
            if element and name == "latency":
                entry["element"] = element
            sla.append(entry)
    return sla


def contract(spec: TableSpec, terms: Mapping[str, Any]) -> dict[str, Any]:
    """The ODCS v3 contract of a gold table, as a plain mapping (YAML-ready)."""
    sources = upstream_sources(spec)
    source_terms = terms["sources"]
    unknown = [s for s in sources if s not in source_terms]
    if unknown:
        raise KeyError(f"{CONTRACTS_FILE}: no licence/attribution for sources {unknown} of {spec.full_name}")
    licences = [{"source": s, **source_terms[s]} for s in sources]
    attribution = "; ".join(dict.fromkeys(t["attribution"] for t in licences if t.get("attribution")))
    properties = table_properties(spec)
    return {
        "apiVersion": API_VERSION,
        "kind": "DataContract",
        "id": f"energy-lakehouse.{spec.layer}.{spec.name}",
        "name": spec.sql_name,
        "version": str(terms["version"]),
        "status": str(terms["status"]),
        "domain": "energy-lakehouse",
        "tags": [spec.layer],
        "description": {
            "purpose": spec.comment,
            "usage": f"Query as `{spec.sql_name}` (`make sql`, Unity Catalog "
            f"`<catalog>.<schema>.{spec.sql_name}`) or read the Delta table at "
            f"`{{lakehouse_root}}/{spec.layer}/{spec.name}`.",
            "limitations": (f"Attribution required: {attribution}." if attribution else "Internal data."),
        },
        "schema": [
            {
                "name": spec.sql_name,
                "physicalName": f"{spec.layer}/{spec.name}",
                "physicalType": "table",
                "logicalType": "object",
                "description": spec.comment,
                "dataGranularityDescription": grain(spec),
                "properties": [_property(spec, i) for i in range(len(spec.schema.fields))],
                "quality": quality_rules(spec),
                "customProperties": [
                    {"property": k.removeprefix(PROPERTY_PREFIX), "value": v} for k, v in properties.items()
                ],
            }
        ],
        "team": {"name": terms["owner"]["team"], "description": terms["owner"]["description"]},
        "slaProperties": _sla(spec, terms["freshness"]["jobs"]),
        "authoritativeDefinitions": [
            {"type": "canonicalUrl", "url": t["url"], "description": f"{t['provider']}: {t['source']}"}
            for t in licences
            if t.get("url")
        ],
        "customProperties": [
            {
                "property": "licence",
                "value": "; ".join(dict.fromkeys(t["licence"] for t in licences)) or "internal",
            },
            {"property": "attribution", "value": attribution},
            {"property": "sources", "value": licences},
        ],
    }


def gold_tables() -> list[TableSpec]:
    return [spec for spec in ALL_TABLES if spec.layer == "gold"]


def contract_yaml(spec: TableSpec, terms: Mapping[str, Any]) -> str:
    header = (
        f"# Data contract of {spec.full_name} (ODCS {API_VERSION}), generated by `make catalog`; "
        "do not edit.\n"
    )
    return header + yaml.safe_dump(contract(spec, terms), sort_keys=False, allow_unicode=True, width=100)


def write_contracts(out_dir: Path) -> list[Path]:
    """docs/contracts/<table>.odcs.yaml for every gold table; returns the paths written."""
    terms = load_terms()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in gold_tables():
        path = out_dir / f"{spec.name}.odcs.yaml"
        path.write_text(contract_yaml(spec, terms), encoding="utf-8")
        written.append(path)
    return written
