"""Streamlit helpers shared by the pages: the lakehouse of the environment, cached table reads, and
the "not loaded yet" panel a page shows instead of a chart when its table has not been written."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from app.data import Filters, Lakehouse, TableNotLoaded
from common.config import Config, load_config

MARKET_JOBS = "`make run` (or `make demo`)"
IOT_JOBS = "the IoT jobs (`make run-iot`)"


def config() -> Config:
    """The environment's settings ($LAKEHOUSE_ENV, $LAKEHOUSE_ROOT; `make app ENV=…`)."""
    return _config(os.environ.get("LAKEHOUSE_ENV"), os.environ.get("LAKEHOUSE_ROOT"))


@st.cache_resource
def _config(env: str | None, root: str | None) -> Config:
    # Keyed by the variables it reads, so a changed environment (tests, a restarted app) is seen.
    return load_config(env)


def lakehouse() -> Lakehouse:
    return Lakehouse.from_config(config())


@st.cache_data(ttl=60, show_spinner=False)
def _read(house: Lakehouse, full_name: str, version: int, filters: tuple, columns: tuple) -> pd.DataFrame:
    # Keyed by the table's version too: a new commit is read at once, an unchanged table never again.
    return house.read(full_name, list(filters) or None, list(columns) or None)


def table(
    full_name: str, filters: Filters = (), columns: Sequence[str] = (), written_by: str = MARKET_JOBS
) -> pd.DataFrame | None:
    """The table's rows, or None after showing the "not loaded yet" panel."""
    house = lakehouse()
    version = house.version(full_name)
    if version is None:
        not_loaded(full_name, house.path(full_name), written_by)
        return None
    try:
        return _read(house, full_name, version, tuple(filters), tuple(columns))
    except TableNotLoaded as error:  # removed between the two calls
        not_loaded(full_name, error.path, written_by)
        return None


def not_loaded(full_name: str, path: str, written_by: str) -> None:
    st.info(
        f"**{full_name} is not loaded yet.** There is no Delta table at `{path}`. "
        f"It is written by {written_by}; this page shows it once that has run.",
        icon=":material/hourglass_empty:",
    )


def no_rows(what: str) -> None:
    st.warning(f"No rows of {what} for this selection.", icon=":material/search_off:")


def day_range(days: pd.Series, label: str, key: str) -> tuple[date, date]:
    """A sidebar picker of a range of local days among `days` (defaults to all of them)."""
    first, last = pd.to_datetime(days).min().date(), pd.to_datetime(days).max().date()
    picked = st.sidebar.date_input(label, value=(first, last), min_value=first, max_value=last, key=key)
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        return picked[0], picked[1]
    # Half a range while the user picks its end: show the first day alone meanwhile.
    single = picked[0] if isinstance(picked, (tuple, list)) and picked else first
    return single, single


def chart(fig) -> None:
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False})
