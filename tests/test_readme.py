"""README stays true: the table catalogue section is exactly what `python -m schemas` prints."""

from pathlib import Path

from schemas.__main__ import catalogue_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"


def test_readme_table_catalogue_is_generated_from_schemas():
    text = README.read_text(encoding="utf-8")
    section = text[text.index(START) + len(START) : text.index(END)].strip()

    assert section == catalogue_markdown().strip(), "run: python scripts/update_readme.py"


def test_readme_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")

    assert text.index("make demo") < text.index("## What it does")
    assert text.index("make test") < text.index("## What it does")
