"""The API authorizer's decision: verify the bearer JWT and allow the whole API for its subject.

The policy covers every method of the stage because API Gateway caches it per token and reuses it
across routes; per-route rules (roles, ownership) are enforced by the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from satchel.auth import access_tokens
from satchel.auth.keys import KeySetProvider
from satchel.aws import secrets_client
from satchel.errors import Unauthorized
from satchel.settings import AuthSettings, auth_settings


def bearer_token(header: str | None) -> str:
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer token is required", code="MISSING_TOKEN")
    return token.strip()


def api_wide_arn(method_arn: str) -> str:
    """arn:aws:execute-api:region:account:api/stage/VERB/path -> .../api/stage/*/*"""
    prefix, _, rest = method_arn.partition(":execute-api:")
    parts = rest.split("/")
    if not prefix or len(parts) < 2:
        raise Unauthorized("unrecognised method ARN")
    return f"{prefix}:execute-api:{parts[0]}/{parts[1]}/*/*"


@dataclass
class ApiAuthorizer:
    settings: AuthSettings
    keys: KeySetProvider

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> ApiAuthorizer:
        provider = KeySetProvider(
            secrets_client(settings.aws), settings.jwt_secret_id, settings.key_cache_seconds
        )
        return cls(settings=settings, keys=provider)

    def authorize(self, event: dict[str, Any]) -> dict[str, Any]:
        token = bearer_token(event.get("authorizationToken"))
        claims = access_tokens.verify(
            token, self.keys.get(), issuer=self.settings.jwt_issuer, audience=self.settings.jwt_audience
        )
        return {
            "principalId": claims.sub,
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "execute-api:Invoke",
                        "Effect": "Allow",
                        "Resource": api_wide_arn(event["methodArn"]),
                    }
                ],
            },
            "context": {"roles": ",".join(claims.roles), "jti": claims.jti},
        }


@lru_cache(maxsize=1)
def default_authorizer() -> ApiAuthorizer:
    return ApiAuthorizer.from_settings(auth_settings())
