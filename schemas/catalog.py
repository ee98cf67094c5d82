"""What the catalogue says about a table besides its schema: the unit of each column (read from its
name), the job that writes it, from which tables and sources (lineage, from jobs/registry.py), and the
Delta table properties that carry the same facts on the table itself (common.tables.ensure_table).
docs/catalog.md, the app's catalogue page, the data contracts and the Delta tables read them here."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from schemas.spec import TableSpec

if TYPE_CHECKING:
    from jobs.registry import Job

# Namespace of the catalogue's Delta table properties (Delta reserves `delta.*` for its own).
PROPERTY_PREFIX = "lakehouse."
# The layers whose tables every job writes through the shared steps rather than a job of its own.
SHARED_LAYERS = ("ops", "quality")
SHARED_WRITER = "the jobs' shared steps (run log, quality gate, change-feed offsets)"
# Unit of a column by the unit tokens in its name (STYLE: units in column names), most specific first.
_UNITS: tuple[tuple[str, str], ...] = (
    (r"_eur_mwh(_|$)", "EUR/MWh"),
    (r"_kwh_kwp(_|$)", "kWh/kWp"),
    (r"_kwh_m2(_|$)", "kWh/m²"),
    (r"_mwh(_|$)", "MWh"),
    (r"_kwh(_|$)", "kWh"),
    (r"_gw(_|$)", "GW"),
    (r"_mw(_|$)", "MW"),
    (r"_kwp(_|$)", "kWp"),
    (r"_kw(_|$)", "kW"),
    (r"_eur$", "EUR"),
    (r"(_h|_hours)$", "h"),
    (r"_s$", "s"),
    (r"(^|_)minutes(_|$)", "min"),
    (r"^(latitude|longitude)$", "°"),
)


def writers(spec: TableSpec) -> list[Job]:
    """The registered jobs that write the table, in registry order."""
    from jobs.registry import PIPELINES  # the registry imports schemas: look it up only when asked

    return [job for jobs in PIPELINES.values() for job in jobs if spec in job.writes]


def lineage(spec: TableSpec) -> str:
    """Which registered job writes the table and from what, in one sentence."""
    jobs = writers(spec)
    if not jobs:
        if spec.layer in SHARED_LAYERS:
            return f"Written by {SHARED_WRITER}."
        return "No registered job writes it yet."
    parts = []
    for job in jobs:
        inputs = [f"`{t.full_name}`" for t in job.reads] + [f"API `{s}`" for s in job.sources]
        parts.append(f"`{job.name}`" + (f" from {', '.join(inputs)}" if inputs else ""))
    return f"Written by {'; '.join(parts)}."


def grain(spec: TableSpec) -> str:
    return f"one row per ({', '.join(spec.keys)})"


def table_properties(spec: TableSpec) -> dict[str, str]:
    """The catalogue's Delta table properties of the table: owner layer, key, grain, producing job(s),
    source tables and outside sources (empty strings where there are none)."""
    jobs = writers(spec)
    producing = ", ".join(j.name for j in jobs) or (SHARED_WRITER if spec.layer in SHARED_LAYERS else "")
    tables = dict.fromkeys(t.full_name for j in jobs for t in j.reads)
    sources = dict.fromkeys(s for j in jobs for s in j.sources)
    return {
        f"{PROPERTY_PREFIX}layer": spec.layer,
        f"{PROPERTY_PREFIX}key": ", ".join(spec.keys),
        f"{PROPERTY_PREFIX}grain": grain(spec),
        f"{PROPERTY_PREFIX}producing_job": producing,
        f"{PROPERTY_PREFIX}source_tables": ", ".join(tables),
        f"{PROPERTY_PREFIX}external_sources": ", ".join(sources),
    }


def unit_of(column_name: str) -> str | None:
    """The unit a column name carries (`price_avg_eur_mwh` → EUR/MWh), None for unitless columns."""
    return next((unit for pattern, unit in _UNITS if re.search(pattern, column_name)), None)
