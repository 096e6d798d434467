"""The reviewer's workbench: a local web page to review one document, change decisions with a
justification, preview the release copy and export it (``redact review DOC``)."""

from .server import Workbench, serve, url
from .session import Refused, Session, Settings

__all__ = ["Refused", "Session", "Settings", "Workbench", "serve", "url"]
