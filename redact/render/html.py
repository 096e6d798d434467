"""Render a release view as one self-contained HTML file (inline CSS, no external references)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..resources import package_path
from .view import ReleaseView

TEMPLATES = package_path("render", "templates")


def css_string(value: object) -> Markup:
    """A CSS string literal: every character but letters and digits as a hex escape.

    Nothing in it can close the string, the rule or the <style> element.
    """
    escaped = "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}" for c in str(value))
    return Markup(f'"{escaped}"')


@cache
def environment() -> Environment:
    # autoescape=True globally: select_autoescape() would not escape "*.html.j2".
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["css_string"] = css_string
    return env


@cache
def stylesheet() -> str:
    return (TEMPLATES / "release.css").read_text(encoding="utf-8")


def page_header(view: ReleaseView) -> str:
    parts = [view.banner, *([view.agency] if view.agency else [])]
    if view.stamp.case:
        parts.append(f"Case No. {view.stamp.case}")
    if view.stamp.doc_id:
        parts.append(f"Doc No. {view.stamp.doc_id}")
    parts.append(f"Date: {view.stamp.as_of}")
    return " ".join(parts)


def render_context(view: ReleaseView, inline_stylesheet: bool = True) -> dict[str, object]:
    """Everything the template sees. Tests spy on this to prove no withheld text is in it."""
    css = Markup(stylesheet()) if inline_stylesheet else Markup("")
    return {"view": view, "css": css, "page_header": page_header(view)}


def render_html(view: ReleaseView, *, inline_stylesheet: bool = True) -> str:
    """The release copy as one self-contained HTML file.

    ``inline_stylesheet=False`` leaves the static stylesheet out (only the page's own @page
    content stays): the PDF renderer supplies it already parsed, once per process.
    """
    template = environment().get_template("release.html.j2")
    return template.render(**render_context(view, inline_stylesheet))
