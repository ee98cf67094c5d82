"""Rewrite README.md's table catalogue from schemas/ (between the catalogue markers)."""

from pathlib import Path

from schemas.__main__ import catalogue_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"

text = README.read_text(encoding="utf-8")
head, rest = text.split(START, 1)
_, tail = rest.split(END, 1)
README.write_text(f"{head}{START}\n{catalogue_markdown().strip()}\n{END}{tail}", encoding="utf-8")
print(f"updated {README}")
