"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme), fast for the audit's records.

The audit hashes every record over its canonical form. The reference library (rfc8785) is pure
Python and was most of the audit's cost. For values made only of strings, booleans, null,
integers within IEEE-754's exact range, lists and objects whose keys sort the same by code point
as by UTF-16 code unit, RFC 8785 output is exactly what the standard library's C encoder writes
with sorted keys, no spaces and no ASCII escaping (both escape only '"', '\\' and U+0000-U+001F,
with the same short forms and lower-case hex). Anything else (floats, huge integers, keys with
characters above U+D7FF) goes to the reference library. tests/test_canonical.py proves the two
byte-equal on every record the corpora produce.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_EXACT = 2**53 - 1  # integers beyond this have no exact IEEE-754 form: the library refuses them
_UTF16_SAFE = "\ud7ff"  # up to here, code point order and UTF-16 code unit order agree
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                           allow_nan=False, check_circular=False).encode


def _plain(value: Any) -> bool:
    """True when the fast encoder's output is the canonical form for this value. Exact types
    only: subclasses (enums, named tuples) go to the reference library."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_EXACT <= value <= _EXACT)
    if kind is dict:
        return all(type(key) is str and (key.isascii() or max(key) <= _UTF16_SAFE) and _plain(item)
                   for key, item in value.items())
    if kind is list or kind is tuple:
        return all(_plain(item) for item in value)
    return False  # floats, subclasses, and anything JSON has no form for


def fast_dumps(value: Any) -> bytes | None:
    """The canonical JSON of value by the standard library's encoder, or None when that would not
    be canonical (or the value cannot be encoded): then only the reference library decides."""
    if not _plain(value):
        return None
    try:
        return _ENCODE(value).encode("utf-8")
    except UnicodeEncodeError:
        return None  # a lone surrogate: the reference library reports it


def dumps(value: Any) -> bytes:
    """The RFC 8785 canonical JSON of value, as UTF-8."""
    fast = fast_dumps(value)
    return fast if fast is not None else rfc8785.dumps(value)
