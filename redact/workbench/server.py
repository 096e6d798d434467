"""The workbench's web layer: a WSGI application (Werkzeug) over one Session, on 127.0.0.1 only.

Werkzeug parses HTTP and routes; this module only checks who is asking and translates requests:
- a random token is required on every request (in the URL for pages and assets, 403 without);
  a request that changes anything must carry it in the X-Redact-Token header, which a page on
  another site cannot set on a cross-site request without CORS (which is never granted);
- the Host header must name this server (127.0.0.1 or localhost and its port): a DNS-rebinding
  page that resolves its own name to 127.0.0.1 is refused;
- a Content-Security-Policy forbids inline script and every other origin; the document's text is
  put into the page by the script as text (textContent), never as markup;
- it serves the page, its assets (shipped in the package), the state, the preview: nothing else
  from the disk.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from ..errors import RedactError
from .session import Refused, Session

TOKEN_HEADER = "X-Redact-Token"
ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-src 'self'; "
               "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# The preview is the release copy as the renderer writes it (its stylesheet inline); no script at all.
PREVIEW_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                  "form-action 'none'; frame-ancestors 'self'")

_PAGE = Environment(autoescape=True, undefined=StrictUndefined).from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="redact-token" content="{{ token }}">
<title>redact review: {{ name }}</title>
<link rel="stylesheet" href="/static/app.css?token={{ token }}">
<script type="module" src="/static/app.js?token={{ token }}"></script>
</head><body>
<header id="bar">
  <h1><span class="product">redact review</span> <span id="doc-name">{{ name }}</span></h1>
  <div id="summary" aria-live="polite"><span id="status"></span> <span id="counts"></span></div>
  <div id="actions">
    <span id="dirty" hidden>unsaved changes</span>
    <button id="save" type="button" title="Save the review file (s)">Save</button>
    <button id="export" type="button" title="Render, verify and audit the release copy (e)">Export</button>
  </div>
</header>
<p id="message" role="status" aria-live="assertive"></p>
<main>
  <section id="document" aria-label="The document as marked"></section>
  <section id="preview-pane" aria-label="Preview of the release copy">
    <iframe id="preview" title="Release copy preview" sandbox></iframe>
  </section>
</main>
<footer id="keys">Keys: j / k next and previous item, r release, w withhold, x withhold the selected words,
u undo the change, Enter apply (in the justification), Escape back to the item, s save, e export.</footer>
</body></html>
""")


def _asset(name: str) -> bytes:
    return resources.files("redact.workbench").joinpath("static", name).read_bytes()


class Workbench:
    """The WSGI application for one session."""

    def __init__(self, session: Session, token: str | None = None) -> None:
        self.session = session
        self.token = token or secrets.token_urlsafe(32)
        self.port = 0  # set when served: the Host header must name it
        self.lock = threading.Lock()  # one change at a time
        self.routes = Map([
            Rule("/", endpoint="page", methods=["GET"]),
            Rule("/static/<name>", endpoint="static", methods=["GET"]),
            Rule("/api/state", endpoint="state", methods=["GET"]),
            Rule("/preview", endpoint="preview", methods=["GET"]),
            Rule("/api/decision", endpoint="decision", methods=["POST"]),
            Rule("/api/span", endpoint="span", methods=["POST"]),
            Rule("/api/clear", endpoint="clear", methods=["POST"]),
            Rule("/api/save", endpoint="save", methods=["POST"]),
            Rule("/api/export", endpoint="export", methods=["POST"]),
        ])

    # --- checks on every request -------------------------------------------------------------

    def _host_ok(self, request: Request) -> bool:
        host = request.host.lower()
        return host in (f"127.0.0.1:{self.port}", f"localhost:{self.port}")

    def _token_ok(self, request: Request, header_only: bool) -> bool:
        given = request.headers.get(TOKEN_HEADER, "")
        if not given and not header_only:
            given = request.args.get("token", "")
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    # --- the application ---------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._respond(request)
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
        response.headers["Cache-Control"] = "no-store"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def _respond(self, request: Request) -> Response:
        if not self._host_ok(request):
            return _text("Forbidden: this server answers only to 127.0.0.1 and localhost.", 403)
        if not self._token_ok(request, header_only=request.method != "GET"):
            return _text("Forbidden: the session token is missing or wrong.", 403)
        try:
            endpoint, values = self.routes.bind_to_environ(request.environ).match()
        except NotFound:
            return _text("Not found.", 404)
        except HTTPException as error:
            return _text(error.description or "Bad request.", error.code or 400)
        handler: Callable[..., Response] = getattr(self, f"_{endpoint}")
        with self.lock:
            try:
                self.session.refresh()
                return handler(request, **values)
            except Refused as refusal:
                return _json({"error": str(refusal)}, 400)
            except RedactError as error:
                return _json({"error": str(error)}, 400)

    def _page(self, request: Request) -> Response:
        html = _PAGE.render(token=self.token, name=Path(self.session.source.path).name)
        return Response(html, mimetype="text/html")

    def _static(self, request: Request, name: str) -> Response:
        if name not in ASSETS:
            return _text("Not found.", 404)
        return Response(_asset(name), mimetype=ASSETS[name])

    def _state(self, request: Request) -> Response:
        return _json(self.session.state())

    def _preview(self, request: Request) -> Response:
        response = Response(self.session.preview(), mimetype="text/html")
        response.headers["Content-Security-Policy"] = PREVIEW_POLICY
        return response

    def _payload(self, request: Request) -> dict[str, Any]:
        try:
            data = json.loads(request.get_data(cache=False, as_text=True) or "{}")
        except ValueError:
            raise Refused("the request is not JSON") from None
        if not isinstance(data, dict):
            raise Refused("the request is not a JSON object")
        return data

    def _decision(self, request: Request) -> Response:
        self.session.set_decision(self._payload(request))
        return _json(self.session.state())

    def _span(self, request: Request) -> Response:
        self.session.add_span(self._payload(request))
        return _json(self.session.state())

    def _clear(self, request: Request) -> Response:
        self.session.clear(self._payload(request))
        return _json(self.session.state())

    def _save(self, request: Request) -> Response:
        path = self.session.save()
        return _json({**self.session.state(), "saved": path.name})

    def _export(self, request: Request) -> Response:
        exported = self.session.export()
        return _json({**self.session.state(), "exported": exported})


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _text(message: str, status: int) -> Response:
    return Response(message, status=status, mimetype="text/plain")


def serve(app: Workbench, port: int = 0) -> BaseWSGIServer:
    """A server for the app on 127.0.0.1 (port 0: any free port); the caller runs serve_forever."""
    # One line per request is noise on the reviewer's terminal (and in test logs).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", port, app, threaded=True)
    app.port = server.server_port
    return server


def url(app: Workbench) -> str:
    return f"http://127.0.0.1:{app.port}/?token={app.token}"
