"""A real OpenID Connect provider for the tests, built from Authlib's server components (its
Flask integration): discovery, an authorization endpoint with a sign-in form, a token endpoint
that checks the client's secret and issues RS256-signed ID tokens, and the public keys.

It knows users by NetID and signs in anyone whose NetID is typed into its form — a university's
single sign-on stands behind the same endpoints. It serves on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from joserfc.jwk import KeySet, RSAKey
from markupsafe import escape
from werkzeug.serving import make_server

SCOPES = ("openid", "email", "profile")


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    nonce: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class Provider:
    issuer: str
    client: Client
    signed_in: list[str] = field(default_factory=list)


def build_app(client: Client, key: RSAKey, issuer_box: list[str]) -> tuple[Flask, Provider]:
    app = Flask("test-oidc-provider")
    codes: dict[str, Code] = {}
    provider = Provider("", client)

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [
            "client_secret_basic",
            "client_secret_post",
        ]

        def save_authorization_code(self, code, request):
            codes[code] = Code(
                code,
                request.client.client_id,
                request.payload.redirect_uri,
                request.scope,
                request.user,
                request.payload.data.get("nonce"),
            )

        def query_authorization_code(self, code, client):
            found = codes.get(code)
            return found if found and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code):
            codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return authorization_code.user

    class IdTokens(OpenIDCode):
        def exists_nonce(self, nonce, request):
            return any(code.nonce == nonce for code in codes.values())

        def resolve_client_private_key(self, client):
            return key

        def get_client_claims(self, client):
            return {"iss": issuer_box[0], "aud": [client.client_id]}

        def generate_user_info(self, user, scope):
            return UserInfo(sub=f"sub-{user}", preferred_username=user, email=f"{user}@example.edu")

    server = AuthorizationServer(
        app,
        query_client=lambda client_id: client if client_id == client.client_id else None,
        save_token=lambda token, request: None,
    )
    server.register_grant(CodeGrant, [IdTokens(require_nonce=True)])
    public = KeySet([key]).as_dict(private=False)

    @app.get("/.well-known/openid-configuration")
    def discovery():
        issuer = issuer_box[0]
        return jsonify(
            issuer=issuer,
            authorization_endpoint=f"{issuer}/authorize",
            token_endpoint=f"{issuer}/token",
            jwks_uri=f"{issuer}/jwks",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            scopes_supported=list(SCOPES),
        )

    @app.get("/favicon.ico")
    def favicon():
        return "", 204

    @app.get("/jwks")
    def jwks():
        return jsonify(public)

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        if request.method == "GET":
            server.get_consent_grant(end_user=None)  # checks client, redirect URI, scope, nonce
            return (
                "<!doctype html><title>Test university sign-in</title><h1>Test university</h1>"
                f'<form method="post" action="/authorize?{escape(request.query_string.decode())}">'
                '<label>NetID <input name="netid" id="netid"></label>'
                '<button type="submit" id="sign-in">Sign in</button></form>'
            )
        user = request.form["netid"]
        provider.signed_in.append(user)
        grant = server.get_consent_grant(end_user=user)  # validated again, as Authlib asks
        return server.create_authorization_response(grant_user=user, grant=grant)

    @app.post("/token")
    def token():
        return server.create_token_response()

    return app, provider


@contextmanager
def running_provider(redirect_uri: str) -> Iterator[Provider]:
    """A provider on 127.0.0.1 with one client (``portal-test``) returning to ``redirect_uri``."""
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
    issuer_box = [""]
    client = Client("portal-test", "s3cret-for-tests", redirect_uri)
    app, provider = build_app(client, key, issuer_box)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    issuer_box[0] = provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=10)
