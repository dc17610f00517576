"""The input rules, property-based: what they accept is clean, what they refuse says why."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lens_server.validation import NAME_MAX, clean_email, clean_name, clean_pin

printable_name = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "S"], include_characters=" "),
    min_size=1,
    max_size=NAME_MAX,
).filter(lambda s: s.strip())


@given(printable_name)
def test_printable_names_are_kept_trimmed(name: str) -> None:
    assert clean_name(f"  {name}\t") == name.strip()


@given(st.text(min_size=NAME_MAX + 1, max_size=300).filter(lambda s: len(s.strip()) > NAME_MAX))
def test_long_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"too long|printable"):
        clean_name(name)


@given(
    printable_name.filter(lambda s: len(s.strip()) >= 2),
    st.sampled_from(["\n", "\r", "\x00", "\x1b", "\u202e", "\u2028"]),
    st.data(),
)
def test_control_characters_inside_are_refused(name: str, bad: str, data: st.DataObject) -> None:
    """Inside the name, that is: leading and trailing whitespace is trimmed."""
    name = name.strip()
    cut = data.draw(st.integers(1, len(name) - 1))
    with pytest.raises(ValueError, match=r"printable|too long"):
        clean_name(name[:cut] + bad + name[cut:])


def test_odd_spaces_become_plain_spaces() -> None:
    assert clean_name("Ann\u00a0Smith\u2003") == "Ann Smith"


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_name_is_required(blank: str) -> None:
    with pytest.raises(ValueError, match="required"):
        clean_name(blank)


@given(st.text(alphabet=string.digits, min_size=6, max_size=6), st.sampled_from(["", " ", "-"]))
def test_pins_may_be_split_by_spaces_or_dashes(pin: str, sep: str) -> None:
    assert clean_pin(f" {pin[:3]}{sep}{pin[3:]} ") == pin


@given(st.text(max_size=12).filter(lambda s: not (s.isascii() and s.isdigit() and len(s) == 6)))
def test_anything_else_is_not_a_pin(raw: str) -> None:
    stripped = raw.replace(" ", "").replace("-", "")
    for ws in string.whitespace:
        stripped = stripped.replace(ws, "")
    if stripped.isascii() and stripped.isdigit() and len(stripped) == 6:
        return  # spaces/dashes around a valid PIN: covered above
    with pytest.raises(ValueError, match="6 digits"):
        clean_pin(raw)


def test_arabic_indic_digits_are_not_a_pin() -> None:
    with pytest.raises(ValueError):
        clean_pin("١٢٣٤٥٦")


@given(st.emails())
def test_valid_addresses_pass(address: str) -> None:
    try:
        cleaned = clean_email(address)
    except ValueError as exc:
        # hypothesis may build special-use domains (.test, .local): refused with a reason
        assert "special-use" in str(exc) or "reserved" in str(exc) or "not valid" in str(exc)
    else:
        assert "@" in cleaned


@pytest.mark.parametrize(
    "address", ["", "ann", "ann@", "@example.com", "ann@example..com", "a b@example.com",
                "ann@example.com\r\nBcc: eve@example.com"],
)  # fmt: skip
def test_invalid_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValueError, match="Not a valid email address"):
        clean_email(address)
