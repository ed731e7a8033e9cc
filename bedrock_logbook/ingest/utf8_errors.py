"""Invalid UTF-8 in a decoded text value, reported the same way by every msgspec version.

msgspec < 0.23 raises ``UnicodeDecodeError`` for invalid UTF-8 in a string it builds: its
``object`` is the string's bytes (escapes resolved), ``start`` the offending byte's offset in
them. msgspec 0.23 raises ``DecodeError("Invalid UTF-8 encoded string")`` with no offset. The
parser quarantines such a line as ``invalid_utf8`` with that offset, so 0.23's error is turned
back into the exception older versions raised: the string that failed is found again from
the raw bytes (only strings msgspec builds count, not skipped ones), and the same
``bytes.decode`` gives the same offset and reason. Runs only on lines that failed.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

INVALID_UTF8_MESSAGE = "Invalid UTF-8 encoded string"
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_ESCAPE = re.compile(
    rb"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|\\u([0-9a-fA-F]{4})|\\(.)", re.DOTALL)
_SIMPLE = {b'"': b'"', b"\\": b"\\", b"/": b"/", b"b": b"\b", b"f": b"\f", b"n": b"\n",
           b"r": b"\r", b"t": b"\t"}


def unicode_error(error: msgspec.DecodeError, decoder: msgspec.json.Decoder[Any],
                  data: bytes | msgspec.Raw) -> UnicodeDecodeError | None:
    """The ``UnicodeDecodeError`` msgspec < 0.23 raised where ``decoder.decode(data)`` raised
    ``error``; None when ``error`` is not msgspec 0.23's invalid-UTF-8 error."""
    if str(error) != INVALID_UTF8_MESSAGE:
        return None
    text = bytes(data)
    bad = [m for m in _JSON_STRING.finditer(text) if not _is_utf8(m.group())]
    if not bad:
        return None
    # msgspec builds strings in document order and stops at the first one that fails; which
    # strings it builds depends on the decoder's type (unknown keys and Raw values are
    # skipped unchecked). Keeping the first k bad strings and blanking the rest (a blank
    # string of the same length is skipped or built as the original would be, without
    # failing) fails again exactly when the culprit is among those k: a binary search finds
    # it in log2(bad strings) decodes, not one decode per bad string.
    lo, hi = 1, len(bad)
    while lo < hi:
        mid = (lo + hi) // 2
        if _fails_on_utf8(decoder, _blanked(text, bad[mid:])):
            hi = mid
        else:
            lo = mid + 1
    return _error_of(bad[lo - 1].group())


def _fails_on_utf8(decoder: msgspec.json.Decoder[Any], text: bytes) -> bool:
    try:
        decoder.decode(text)
    except msgspec.DecodeError as e:
        return str(e) == INVALID_UTF8_MESSAGE
    except Exception:  # noqa: BLE001 - another error: not a string's
        return False
    return False


def _is_utf8(token: bytes) -> bool:
    try:
        token.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _blanked(text: bytes, strings: list[re.Match[bytes]]) -> bytes:
    out = bytearray(text)
    for m in strings:
        out[m.start() + 1:m.end() - 1] = b" " * (m.end() - m.start() - 2)
    return bytes(out)


def _error_of(token: bytes) -> UnicodeDecodeError | None:
    """The error ``bytes.decode`` raises for the string's bytes with escapes resolved."""
    try:
        _unescape(token[1:-1]).decode("utf-8")
    except UnicodeDecodeError as e:
        return e
    return None


def _unescape(content: bytes) -> bytes:
    return _ESCAPE.sub(_resolve, content)


def _resolve(m: re.Match[bytes]) -> bytes:
    if m.group(1) is not None:  # a surrogate pair written as two escapes: one character
        high, low = int(m.group(1), 16), int(m.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)).encode("utf-8")
    if m.group(3) is not None:
        return chr(int(m.group(3), 16)).encode("utf-8", "surrogatepass")
    return _SIMPLE.get(m.group(4), m.group(0))
