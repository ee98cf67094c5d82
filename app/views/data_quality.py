"""Data quality: daily scores per table, the latest failed expectations, quarantine counts by reason."""

from __future__ import annotations

import streamlit as st

from app import figures, frames, ui
from schemas import QUARANTINE_TABLES

st.title("Data quality")
st.caption(
    "Every batch is checked by its table's Great Expectations suite before it is written "
    "(README, 'Data quality'). quality_score: 1 is a clean day."
)

daily = ui.table("gold/data_quality_daily")
if daily is not None:
    if daily.empty:
        ui.no_rows("gold/data_quality_daily")
    else:
        ui.chart(figures.quality_scores(daily))

st.subheader("Failed expectations of each table's latest run")
results = ui.table("quality/results")
if results is not None:
    failed = frames.latest_failed_expectations(results)
    if failed.empty:
        st.success("The latest run of every checked table passed all its expectations.")
    else:
        st.dataframe(failed, width="stretch", hide_index=True)

st.subheader("Quarantined rows by reason")
house = ui.lakehouse()
quarantines = {}
for spec in QUARANTINE_TABLES:
    if house.version(spec.full_name) is not None:
        quarantines[spec.full_name] = ui.table(spec.full_name, columns=["reason"])
counts = frames.quarantine_reason_counts(quarantines)
if not quarantines:
    st.info(
        "No quarantine table is loaded yet: no job has held back a row in this lakehouse.",
        icon=":material/hourglass_empty:",
    )
elif counts.empty:
    st.success("No row is held in quarantine.")
else:
    ui.chart(figures.quarantine_by_reason(counts))
