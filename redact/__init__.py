"""redact: portion-marking aware redaction of classified cables for release.

The library API, one function per stage::

    from redact import parse, load_policy, decide, Context, build_view, render_html, verify_release
"""

from .decide import Context, Decision, Decisions, decide
from .errors import RedactError
from .model import Document, Level, Marking, Portion
from .parse import parse
from .policy import Policy, load_policy
from .render import build_view, render_html, render_pdf, render_text
from .verify import verify_release
from .version import __version__

__all__ = [
    "Context", "Decision", "Decisions", "Document", "Level", "Marking", "Policy", "Portion",
    "RedactError", "__version__", "build_view", "decide", "load_policy", "parse", "render_html",
    "render_pdf", "render_text", "verify_release",
]
