"""redact: portion-marking aware redaction of classified cables for release.

The library API, one function per stage::

    from redact import parse, load_policy, decide, Context, build_view, render_html, verify_release
"""

__version__ = "0.1.0"

from .decide import Context, Decision, Decisions, decide  # noqa: E402
from .errors import RedactError  # noqa: E402
from .model import Document, Level, Marking, Portion  # noqa: E402
from .parse import parse  # noqa: E402
from .policy import Policy, load_policy  # noqa: E402
from .render import build_view, render_html, render_pdf, render_text  # noqa: E402
from .verify import verify_release  # noqa: E402

__all__ = [
    "Context", "Decision", "Decisions", "Document", "Level", "Marking", "Policy", "Portion",
    "RedactError", "__version__", "build_view", "decide", "load_policy", "parse", "render_html",
    "render_pdf", "render_text", "verify_release",
]
