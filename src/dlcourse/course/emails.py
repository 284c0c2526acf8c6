"""E-mail addresses of the course's people, checked as pydantic's ``EmailStr`` checks them, without
importing ``email-validator`` for the addresses that plainly pass.

``EmailStr`` imports ``email-validator`` (and ``importlib.metadata``, for its version check) when
the model class is built, so every command that loads ``course.toml`` paid ≈ 40 ms of CPU for it
(its RFC tables are compiled regular expressions), ``dlcourse notes check ONE_NOTE`` included.
Almost every address a course writes (``lecturer@university.edu``) is plain ASCII with a
lower-case domain: for those the validator's answer is known — accepted, unchanged — and this
module gives it without the import. Anything else (capitals or Unicode in the domain, quoted
local parts, ``Name <address>``, a special-use domain, an over-long part, ``--`` in a label) goes
to ``email-validator`` through pydantic's own function, so the strictness and the error messages
are exactly ``EmailStr``'s (``tests/course/test_emails.py`` compares the two).
"""

from __future__ import annotations

import re

# RFC 5322 atext: the characters of an unquoted local part, dots only between them.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# A lower-case LDH host name with at least one dot and an alphabetic top-level label, which is
# what email-validator accepts without IDNA work or normalisation (capitals would be folded).
_PLAIN_ADDRESS = re.compile(
    rf"(?P<local>{_ATEXT}(?:\.{_ATEXT})*)@"
    r"(?P<domain>(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?P<top>[a-z]+))"
)
# email-validator's limits (RFC 5321 §4.5.3.1 and RFC 1035): the local part, a DNS label and the
# whole address.
_LOCAL_PART_MAX = 64
_LABEL_MAX = 63
_ADDRESS_MAX = 254
# Top-level names email-validator refuses as special-use (RFC 6761 and friends); an address
# ending in one goes to it for the refusal and its message.
SPECIAL_USE_TOP_LEVEL = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def plainly_valid(address: str) -> bool:
    """Whether ``address`` is an e-mail address email-validator accepts unchanged (a subset of
    what it accepts: ``False`` means "ask it", not "invalid")."""
    match = _PLAIN_ADDRESS.fullmatch(address) if len(address) <= _ADDRESS_MAX else None
    if match is None:
        return False
    domain = match["domain"]
    return (
        len(match["local"]) <= _LOCAL_PART_MAX
        and "--" not in domain  # 'xn--' Punycode and 'ab--c' need IDNA rules
        and all(len(label) <= _LABEL_MAX for label in domain.split("."))
        and match["top"] not in SPECIAL_USE_TOP_LEVEL
    )


def checked_email(address: str) -> str:
    """``address`` as ``EmailStr`` validates it: the normalised address, or pydantic's
    ``value is not a valid email address: …`` error."""
    if plainly_valid(address):
        return address
    from pydantic.networks import validate_email

    return validate_email(address)[1]
