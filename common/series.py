"""The one rule that turns an Energy-Charts series name into the production type the gold tables use:
names are matched case-insensitively against the configured alias map (`public_power.series_aliases`)
and unmapped names stay as sent. Pure Python, so the Spark jobs (jobs.lib.daily_production_trend
.with_production_type) and the app (no JVM) apply the same rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def alias_map(aliases: Mapping[str, str] | None) -> dict[str, str]:
    """Lower-cased series name -> production type, in a stable order (the source's capitalisation
    changes over time, so lookups go through the lower-cased name)."""
    return {name.lower(): target for name, target in sorted((aliases or {}).items())}


def production_types(names: Iterable[str], aliases: Mapping[str, str] | None) -> list[str]:
    """The production type of each series name (see alias_map); unmapped names stay as sent."""
    mapping = alias_map(aliases)
    return [mapping.get(name.lower(), name) for name in names]
