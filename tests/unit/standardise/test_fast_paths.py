"""The standardisers' fast paths (issue 14) give what the full path gives, on the inputs that
sit at their edges: a fast path only decides a value when the result cannot differ."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest

from identity_graph.standardise import addresses, dates, names, phones

DATE_TEXTS = [
    "2020-02-29", "2021-02-29", "1999-13-01", "1999-12-32", "0000-01-01", "0999-01-01", "2020-1-5",
    "29/02/2020", "31/04/2021", "01/01/1900", "1/1/1900", "01.02.1903", "01-02-1903", "2001/02/03",
    "20010203", "20011303", "2001023", "2020-02-29T23:59:59Z", "2020-02-29T24:00:00Z",
    "2020-02-29T23:60:00Z", "2020-02-29T23:59:60Z", " 2020-02-29", "2020-02-29 ", "２０２０-02-29",
    "2020-02-29x", "x2020-02-29", "", "-", "12/12/12",
]
FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%dT%H:%M:%SZ"]


def _strptime(text: str, fmt: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, fmt).date()
    except ValueError:
        return None


@pytest.mark.parametrize("fmt", FORMATS)
def test_numeric_dates_built_directly_agree_with_strptime(fmt: str) -> None:
    rng = random.Random(fmt)
    texts = list(DATE_TEXTS)
    for _ in range(2000):  # random digits in the format's shape, impossible dates included
        texts.append(fmt.replace("%Y", f"{rng.randint(0, 9999):04d}").replace("%m", f"{rng.randint(0, 13):02d}")
                     .replace("%d", f"{rng.randint(0, 32):02d}").replace("%H", f"{rng.randint(0, 25):02d}")
                     .replace("%M", f"{rng.randint(0, 61):02d}").replace("%S", f"{rng.randint(0, 61):02d}"))
    for text in texts:
        assert dates._strptime(text, fmt) == _strptime(text, fmt), (text, fmt)


PHONES = [  # "+44" the fast path decides, and the national prefixes it leaves to the parser
    "+44 7700 900123", "+44 (0)20 7946 0018", "+44 020 7946 0018", "+44 1800 20 7946 0018",
    "+447700900123", "+44 7700 900", "+44 7700 9001234", "+44 20 7946 0018", "+44-113-496-0000",
    "+44 800 123 4567", "+44 (20) 7946 0018", "+44 ٧٧٠٠ 900123", "07700 900123", "(020) 7946 0018",
]


@pytest.mark.parametrize("region", ["GB", "US"])
def test_plus_44_numbers_skip_the_parser_only_when_it_would_agree(region: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = {piece: phones._parse(piece, region) for piece in PHONES}
    monkeypatch.setattr(phones, "_fast", lambda *_: None)  # the full parser for everything
    assert fast == {piece: phones._parse(piece, region) for piece in PHONES}


NAMES = ["smith", "Smith", "O'Brien", "mc donald", "Mc Donald", "mac donald", "de la cruz", "Anne-Marie",
         "JOSÉ", "  smith", "smith  jones", "smith\tjones", "smith.", "mcdonald", "MacDonald", "Mc"]


@pytest.mark.parametrize("keep_case", [True, False])
def test_plain_names_skip_the_folding_only_when_it_changes_nothing(keep_case: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = {text: names._clean(text, keep_case) for text in NAMES}
    assert fast["smith"] == "smith" and fast["Smith"] == ("Smith" if keep_case else "smith")
    monkeypatch.setattr(names, "_PLAIN_WORDS", re.compile(r"(?!)"))  # never plain: fold everything
    assert fast == {text: names._clean(text, keep_case) for text in NAMES}


ADDRESS_LINES = ["12 High Street", "12 High Street, Leeds", "12 High Street,Leeds", "Flat 3, 12 High St",
                 "12  High Street", "12 High Street,", "St John's Road", "12\nHigh Street", "Rue de l'Église",
                 "FLAT 3,12 HIGH ST", "12A High Street"]


def test_plain_address_lines_skip_the_folding_only_when_it_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = {text: addresses._clean(text) for text in ADDRESS_LINES}
    monkeypatch.setattr(addresses, "_PLAIN_LINE", re.compile(r"(?!)"))
    assert fast == {text: addresses._clean(text) for text in ADDRESS_LINES}
