"""Render a release view as plain text, for diffs and for systems that want text."""

from __future__ import annotations

from .html import page_header
from .view import Block, ReleaseView

BOX_WIDTH = 60


def _box(block: Block) -> str:
    """A withheld portion: the same three lines whatever it replaced."""
    inner = f" {block.name} withheld -- {block.label} "
    inner = inner[:BOX_WIDTH - 2].center(BOX_WIDTH - 2, "#")
    return "\n".join(["#" * BOX_WIDTH, f"#{inner}#", "#" * BOX_WIDTH])


def _released(block: Block) -> str:
    return "".join(s.text if s.text is not None else f"[{s.label}]" for s in block.segments)


def render_text(view: ReleaseView) -> str:
    stamp = view.stamp
    lines = [view.banner, page_header(view), "", stamp.status,
             f"REVIEW AUTHORITY: {stamp.reviewer}",
             f"AUTHORITY: {stamp.authority} (policy sha256 {stamp.policy_sha256[:16]})",
             f"REVIEWED AS OF: {stamp.as_of}"]
    if stamp.case:
        lines.append(f"CASE NO.: {stamp.case}")
    if stamp.doc_id:
        lines.append(f"DOC NO.: {stamp.doc_id}")
    if stamp.source:
        lines.append(f"TEXT FROM: {stamp.source}")
    lines.append("")
    for block in (*view.header, *view.body):
        if block.withheld:
            lines.append(_box(block))
        else:
            lines.append(_released(block) + (f"    [{block.margin}]" if block.margin else ""))
        lines.append("")
    lines.append(view.banner)
    return "\n".join(lines) + "\n"
