"""Pytest fixtures around the Energy-Charts simulator; tests/conftest.py loads them as a plugin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from simulator.energy_charts import EnergyChartsSimulator

# The publication edge every test sees unless it moves `now` itself.
SIM_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def energy_charts_sim() -> Iterator[EnergyChartsSimulator]:
    """A started simulator on a free local port, publication edge SIM_NOW, stopped after the test."""
    with EnergyChartsSimulator(now=SIM_NOW) as simulator:
        yield simulator
