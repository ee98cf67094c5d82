"""The analysts' app and report: data access (`app.data`, delta-rs reads into pandas), figures
(`app.figures`, pure DataFrame -> Plotly functions), Streamlit pages (`app/pages/`) and the static
HTML report (`app.report`) built from the same figures."""
