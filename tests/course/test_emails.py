"""The course's e-mail check answers exactly as pydantic's ``EmailStr`` (email-validator) does,
taking the fast path only for addresses email-validator accepts unchanged."""

from __future__ import annotations

import email_validator
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, EmailStr, ValidationError

from dlcourse.course.emails import SPECIAL_USE_TOP_LEVEL, checked_email, plainly_valid


class _Reference(BaseModel):
    email: EmailStr


def _reference(address: str) -> str | None:
    """What ``EmailStr`` makes of ``address``: its normalised form, or None when refused."""
    try:
        return _Reference(email=address).email
    except ValidationError:
        return None


def _ours(address: str) -> str | None:
    try:
        return checked_email(address)
    except ValueError:  # PydanticCustomError is a ValueError
        return None


EDGE_CASES = [
    "lecturer@university.example",
    "yann.lecun@nyu.edu",
    "a+tag@sub.domain.org",
    "o'neil@example.com",
    "x@a.io",
    "first..last@nyu.edu",
    ".lead@nyu.edu",
    "trail.@nyu.edu",
    "someone@localhost",
    "someone@mail.localhost",
    "someone@host.local",
    "someone@thing.onion",
    "someone@x.test",
    "someone@1.arpa",
    "someone@nyu",
    "someone@nyu.123",
    "someone@-nyu.edu",
    "someone@nyu-.edu",
    "someone@ab--cd.edu",
    "someone@xn--bcher-kva.example",
    "someone@NYU.EDU",
    "Someone@Nyu.edu",
    "Alfredo Canziani <canziani@nyu.edu>",
    " canziani@nyu.edu ",
    "canziani at nyu.edu",
    "canziani@@nyu.edu",
    '"quoted local"@nyu.edu',
    "üser@nyu.edu",
    "user@bücher.example",
    "a" * 64 + "@nyu.edu",
    "a" * 65 + "@nyu.edu",
    "x@" + "a" * 63 + ".edu",
    "x@" + "a" * 64 + ".edu",
    "x@" + ".".join(["a" * 60] * 5) + ".edu",
    "line\nbreak@nyu.edu",
    "",
    "@nyu.edu",
    "user@",
]


@pytest.mark.parametrize("address", EDGE_CASES)
def test_each_edge_case_is_answered_as_email_str_answers_it(address: str) -> None:
    assert _ours(address) == _reference(address)


def test_plain_course_addresses_skip_email_validator() -> None:
    # the point of the module: the example course's addresses need no email-validator
    assert plainly_valid("lecturer@university.example")
    assert plainly_valid("yann.lecun@nyu.edu")
    assert not plainly_valid("someone@NYU.EDU")  # normalised by email-validator: ask it
    assert not plainly_valid("someone@host.local")


def test_the_special_use_names_cover_email_validators() -> None:
    # an upgrade of email-validator that refuses a further name must reach this list
    assert set(email_validator.SPECIAL_USE_DOMAIN_NAMES) <= SPECIAL_USE_TOP_LEVEL


def test_a_refused_address_carries_email_strs_message() -> None:
    with pytest.raises(ValueError, match=r"value is not a valid email address: .*@-sign"):
        checked_email("canziani at nyu.edu")


# any characters an address may hold or wrongly hold …
_ANY_LOCAL = st.text(st.sampled_from("abcXY09..!#'+=_`{~-@\"( )<>,;[]\\é"), max_size=12)
_ANY_HOST = st.text(st.sampled_from("abcz0-.-.Aü"), max_size=12)
# … and addresses built as plain ones are (dot-joined words and labels, some with dashes at
# their ends), so that the fast path is taken often; empty words come from the first kind
_WORD = st.text("ab9!#'+_`{~-", min_size=1, max_size=6)
_LABEL = st.text("az09-", min_size=1, max_size=6)
_WORDS_LOCAL = st.lists(_WORD, min_size=1, max_size=3).map(".".join)
_LABELS_HOST = st.lists(_LABEL, min_size=1, max_size=3).map(".".join)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    local=st.one_of(_ANY_LOCAL, _WORDS_LOCAL),
    host=st.one_of(_ANY_HOST, _LABELS_HOST),
    top=st.sampled_from(["edu", "com", "io", "local", "test", "Org", "x1", "", "onion"]),
)
def test_generated_addresses_are_answered_as_email_str_answers_them(
    local: str, host: str, top: str
) -> None:
    address = f"{local}@{host}.{top}" if top else f"{local}@{host}"
    ours = _ours(address)
    assert ours == _reference(address)
    if plainly_valid(address):
        assert ours == address
