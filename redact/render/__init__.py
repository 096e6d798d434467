"""Render: decisions -> release copies (HTML, PDF, plain text)."""

from .html import render_html
from .pdf import render_pdf
from .text import render_text
from .view import ReleaseView, build_view

__all__ = ["ReleaseView", "build_view", "render_html", "render_pdf", "render_text"]
