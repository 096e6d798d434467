"""Read: bytes -> text. Encodings, size limits and binary input, with clear errors."""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .pdftext import PdfText, is_pdf, read_pdf

DEFAULT_MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class Source:
    path: str
    text: str
    sha256: str
    size: int
    pdf: PdfText | None = None  # a PDF input: its pages, lines and character boxes

    @property
    def origin(self) -> str:
        """Where the text came from: "text", "pdf" (its text layer) or "ocr"."""
        if self.pdf is None:
            return "text"
        return "ocr" if self.pdf.ocr else "pdf"

    def where(self, line: int) -> str:
        """A text line as a reader finds it: "line 12", or "page 2, line 14" in a PDF."""
        if self.pdf is None or not 1 <= line <= len(self.pdf.lines):
            return f"line {line}"
        found = self.pdf.lines[line - 1]
        return f"page {found.page}, line {found.number}"


def decode(data: bytes, path: str, encoding: str | None = None) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or the encoding asked for."""
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise InputError(f"cannot decode as {encoding}: {type(error).__name__}", path=path) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InputError(f"invalid UTF-16 at byte {error.start}", path=path) from None
    if b"\x00" in data:
        raise InputError("binary file (it contains NUL bytes), not a text document", path=path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"not valid UTF-8 at byte {error.start}; if the file is in another "
                         "encoding, name it with --encoding (e.g. cp1252)", path=path) from None


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, encoding: str | None = None,
                ocr: bool = False) -> Source:
    """A document's text: a text file decoded, or a PDF's text layer (or its pages read by OCR)."""
    shown = str(path)
    try:
        if not path.exists():
            raise InputError("no such file", path=shown)
        if not path.is_file():
            raise InputError("not a regular file", path=shown)
        size = path.stat().st_size
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", path=shown) from None
    if size > max_bytes:
        raise InputError(f"the file is {size} bytes, more than --max-bytes {max_bytes}", path=shown)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", path=shown) from None
    digest = hashlib.sha256(data).hexdigest()
    if is_pdf(data):
        pdf = read_pdf(data, shown, ocr=ocr)
        if not pdf.text.strip():
            raise InputError("the PDF holds no text", path=shown)
        return Source(shown, pdf.text, digest, size, pdf)
    text = decode(data, shown, encoding)
    if not text.strip():
        raise InputError("the document is empty", path=shown)
    return Source(shown, text, digest, size)
