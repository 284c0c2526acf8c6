"""Single sign-on through the university's OpenID Connect provider (Authlib's client).

The authorization-code flow with ``state`` and ``nonce`` kept in the server-side session; the
ID token's signature, issuer, audience, expiry and nonce are checked by Authlib against the
provider's published keys. The person is found in the gradebook by the configured claim (the
NetID, or the e-mail); someone who is not on the roster or the staff list is not let in.
"""

from __future__ import annotations

from typing import Any

from dlcourse.portal.config import OidcSettings


def make_client(settings: OidcSettings) -> Any:
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register(
        "university",
        server_metadata_url=settings.metadata_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        client_kwargs={"scope": "openid email profile"},
    )
    return oauth.create_client("university")


def identity(userinfo: dict[str, Any], settings: OidcSettings) -> list[str]:
    """What to look the person up by, best first: the configured claim, then the e-mail."""
    found = []
    for claim in (settings.netid_claim, "email"):
        value = userinfo.get(claim)
        if isinstance(value, str) and value.strip() and value not in found:
            found.append(value.strip())
    return found
