"""The API authorizer's decision: verify the bearer JWT and allow the whole API for its subject.

The policy covers every method of the stage because API Gateway caches it per token and reuses it
across routes; per-route rules (roles, ownership) are enforced by the services.

Beyond the signature and claims, each uncached call makes ONE DynamoDB request (StandingCheck):
the token's jti or session on the denylist, or its user disabled, missing or revoked, is a 401.
API Gateway's result cache (TTL <= 30 s, see docs) bounds how long a revoked token still passes.
The context carries the user's current roles (not the token's), so a role change applies as
soon as the cache entry expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from satchel.auth import access_tokens
from satchel.auth.keys import KeySetProvider
from satchel.auth.revocations import StandingCheck
from satchel.auth.settings import AuthSettings, auth_settings
from satchel.aws import dynamodb_client
from satchel.errors import Unauthorized


def presented_token(event: dict[str, Any]) -> str:
    """TOKEN authorizers get `authorizationToken`; REQUEST authorizers get the headers."""
    if "authorizationToken" in event:
        return bearer_token(event.get("authorizationToken"))
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    return bearer_token(headers.get("authorization"))


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
    standing: StandingCheck

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> ApiAuthorizer:
        provider = KeySetProvider.from_settings(settings)
        standing = StandingCheck(
            dynamodb_client(settings.aws),
            users_table=settings.users_table,
            revocations_table=settings.revocations_table,
        )
        return cls(settings=settings, keys=provider, standing=standing)

    def authorize(self, event: dict[str, Any]) -> dict[str, Any]:
        token = presented_token(event)
        keys = self.keys.get(kid=access_tokens.unverified_kid(token))
        # AuthSettings does not carry ACCESS_TOKEN_TTL (only the auth function reads it), so the
        # lifetime cap is that setting's maximum: no issuer of ours grants more.
        claims = access_tokens.verify(
            token,
            keys,
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            max_ttl=access_tokens.MAX_TTL_SECONDS,
        )
        roles = self.standing.current_roles(claims)
        context: dict[str, Any] = {"roles": ",".join(roles), "jti": claims.jti, "exp": claims.exp}
        if claims.sid:
            context["sid"] = claims.sid
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
            "context": context,
        }


@lru_cache(maxsize=1)
def default_authorizer() -> ApiAuthorizer:
    return ApiAuthorizer.from_settings(auth_settings())
