"""Catalogue: every table declared in schemas/ with its key, partitioning, description and columns,
and whether this lakehouse holds it yet."""

from __future__ import annotations

import streamlit as st

from app import frames, ui
from schemas import ALL_TABLES
from schemas.__main__ import lineage, properties_markdown

st.title("Catalogue")
st.caption(
    "Every table of the lakehouse as declared in schemas/ (the same declarations the jobs write "
    "with). SQL name: the view `make sql` registers."
)

house = ui.lakehouse()
listing = frames.catalogue_tables(ALL_TABLES, {s.full_name: house.version(s.full_name) for s in ALL_TABLES})
listing.insert(1, "SQL name", [s.sql_name for s in ALL_TABLES])
listing["loaded"] = listing["version"].notna()
st.dataframe(listing, width="stretch", hide_index=True)

names = [s.full_name for s in ALL_TABLES]
chosen = st.selectbox("Table", names, index=names.index("gold/daily_production_trend"), key="table")
spec = ALL_TABLES[names.index(chosen)]
st.markdown(
    f"**{spec.full_name}** — {spec.comment}  \nKey: `{', '.join(spec.keys)}`"
    + (f" · partitioned by `{', '.join(spec.partition_by)}`" if spec.partition_by else "")
    + f"  \nPath: `{house.path(spec.full_name)}`  \n{lineage(spec)}  \n{properties_markdown(spec)}"
)
st.dataframe(frames.catalogue_columns(spec), width="stretch", hide_index=True)
