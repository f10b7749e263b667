"""What a generation-data source keeps, for the source-list tests: ``generation_data.rule_for`` read as a test reads it."""

from __future__ import annotations

from forgelens.training import generation_data as gd


def kept(src: gd.Source, path: str) -> tuple[str, str] | None:
    """(label, family) that ``src`` gives ``path`` (None when no rule keeps it), as ``list_source`` decides."""
    rule = gd.rule_for(src, path)
    return None if rule is None else (rule[1], rule[2])
