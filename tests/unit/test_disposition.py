"""Content-Disposition for downloads: RFC 6266 quoted fallback plus RFC 8187 filename*."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from satchel.transfers.disposition import attachment

# attachment; filename="<quoted-string>"; filename*=UTF-8''<attr-chars and %XX>
_HEADER = re.compile(r'^attachment; filename="((?:[^"\\]|\\.)*)"; filename\*=UTF-8\'\'([A-Za-z0-9%!#$&+.^_`|~-]+)$')


def _parts(header: str) -> tuple[str, str]:
    match = _HEADER.match(header)
    assert match, header
    fallback = re.sub(r"\\(.)", r"\1", match.group(1))
    return fallback, unquote(match.group(2))


def test_plain_ascii_name_round_trips() -> None:
    assert attachment("report.pdf") == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"


@pytest.mark.parametrize("name", ['evil".exe', 'a"; filename="x.html', "back\\slash.txt", 'q\\"q'])
def test_quotes_and_backslashes_cannot_end_the_parameter(name: str) -> None:
    header = attachment(name)
    fallback, utf8 = _parts(header)
    assert fallback == name
    assert utf8 == name


@pytest.mark.parametrize("name", ["a\r\nSet-Cookie: x=1.txt", "a\nb.txt", "a\rb.txt", "tab\there.txt", "nul\x00.txt"])
def test_control_characters_never_reach_the_header(name: str) -> None:
    header = attachment(name)
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in header)
    fallback, utf8 = _parts(header)
    assert "\r" not in utf8 and "\n" not in utf8
    assert fallback.startswith(name[:1])


def test_unicode_gets_an_ascii_fallback_and_a_utf8_filename_star() -> None:
    header = attachment("Résumé \u2013 履歴書.pdf")
    assert header.isascii()
    fallback, utf8 = _parts(header)
    assert fallback.startswith("Resume")
    assert fallback.endswith(".pdf")
    assert utf8 == "Résumé \u2013 履歴書.pdf"


def test_a_name_with_no_ascii_at_all_still_has_a_fallback() -> None:
    fallback, utf8 = _parts(attachment("履歴書"))
    assert fallback == "download"
    assert utf8 == "履歴書"


def test_semicolons_and_spaces_are_percent_encoded_in_filename_star() -> None:
    header = attachment("a; b=c.txt")
    assert "filename*=UTF-8''a%3B%20b%3Dc.txt" in header
