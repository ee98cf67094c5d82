"""Print the table catalogue as Markdown (README's "Tables" section is this output):

python -m schemas
"""

from schemas import ALL_TABLES


def catalogue_markdown() -> str:
    lines = []
    for spec in ALL_TABLES:
        lines.append(f"#### `{spec.full_name}`")
        lines.append("")
        details = [f"key ({', '.join(spec.keys)})"]
        if spec.partition_by:
            details.append(f"partitioned by ({', '.join(spec.partition_by)})")
        if spec.change_data_feed:
            details.append("Change Data Feed on")
        lines.append(f"{spec.comment} — {'; '.join(details)}.")
        lines.append("")
        lines.append("| column | type | meaning |")
        lines.append("|---|---|---|")
        for field in spec.schema.fields:
            data_type = field.dataType.simpleString() + ("" if field.nullable else " not null")
            lines.append(f"| `{field.name}` | {data_type} | {spec.comment_of(field.name)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(catalogue_markdown())
