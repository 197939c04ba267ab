"""Identity resources: the JWT signing-key secret and the issuer/audience the tokens carry."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct
from satchel.auth.keys import GENERATED_KEY_FIELD

# CloudFormation generates the first signing key ({"generated_key": ...}), which satchel.auth.keys
# reads as a one-key set, so the API works right after `cdk deploy`; rotation
# (python -m infra.admin.rotate_keys) later writes the full key-set shape.
GENERATED_KEY_CHARS = 64  # alphanumeric: ~380 bits


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, issuer: str, audience: str) -> None:
        super().__init__(scope, construct_id)
        self.issuer = issuer
        self.audience = audience
        self.signing_keys = secretsmanager.Secret(
            self,
            "JwtSigningKeys",
            description=f"Satchel {stage}: JWT signing key set (see satchel/auth/keys.py)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}",  # noqa: S106 (an empty JSON template, no secret)
                generate_string_key=GENERATED_KEY_FIELD,
                exclude_punctuation=True,
                password_length=GENERATED_KEY_CHARS,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
