"""Identity resources: the JWT signing-key secret and the issuer/audience the tokens carry."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

# The secret is a key set ({"active_kid", "keys": {kid: {"secret"}}}, satchel.auth.keys), which a
# CloudFormation-generated string cannot express. CloudFormation creates the secret with a
# random placeholder; `python -m infra.signing_keys --secret-id ARN` writes the first key set
# after the first deploy (it refuses to overwrite a key set).
PLACEHOLDER_KEY = "uninitialized"


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, issuer: str, audience: str) -> None:
        super().__init__(scope, construct_id)
        self.issuer = issuer
        self.audience = audience
        self.signing_keys = secretsmanager.Secret(
            self,
            "JwtSigningKeys",
            description=f"Satchel {stage}: JWT signing key set (see infra/signing_keys.py)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"active_kid": null, "keys": {}}',  # noqa: S106 (holds no secret)
                generate_string_key=PLACEHOLDER_KEY,
                exclude_punctuation=True,
                password_length=43,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
