"""cdk-nag AwsSolutions findings that are accepted: each scoped to its resource (and to the
exact finding with appliesTo where nag reports one), each with its reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Stack
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import IConstruct
from satchel.transfers.service import ARTIFACT_PREFIX

from infra.functions import QUERY

if TYPE_CHECKING:
    from infra.stack import SatchelStack

XRAY_WILDCARD = (
    "Tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level "
    "permissions, so AWS requires Resource '*' (added by Lambda's active tracing)."
)
ARTIFACT_OBJECTS = (
    "Artifact objects have server-generated keys under artifacts/{uuid}; the prefix is the narrowest "
    "scope that covers objects created at run time. Only the spec's object actions are granted."
)
TABLE_INDEXES = "Query needs the table's index ARNs; the actions are the spec's, on this table only."


def _arn_token(construct: IConstruct) -> str:
    child = construct.node.default_child
    return f"<{Stack.of(construct).get_logical_id(child)}.Arn>"  # type: ignore[arg-type]


def suppress(stack: SatchelStack) -> None:
    _function_roles(stack)
    _cdk_internal(stack)
    _api(stack)
    NagSuppressions.add_resource_suppressions(
        stack.identity.signing_keys,
        [
            NagPackSuppression(
                id="AwsSolutions-SMG4",
                reason="The secret is a key set rotated by adding a kid (satchel.auth.keys.rotate) so tokens "
                "signed with the previous key stay valid until they expire; a Secrets Manager rotation "
                "Lambda replacing the value would log everyone out.",
            )
        ],
    )


def _function_roles(stack: SatchelStack) -> None:
    bucket = _arn_token(stack.storage.bucket)
    for function in stack.functions.values():
        findings = [f"Resource::{bucket}/{ARTIFACT_PREFIX}*"] if function.spec.object_actions else []
        indexed = [
            f"Resource::{_arn_token(stack.tables[logical])}/index/*"
            for logical, actions in function.spec.table_actions.items()
            if QUERY in actions
        ]
        suppressions = [NagPackSuppression(id="AwsSolutions-IAM5", reason=XRAY_WILDCARD, applies_to=["Resource::*"])]
        if findings:
            suppressions.append(
                NagPackSuppression(id="AwsSolutions-IAM5", reason=ARTIFACT_OBJECTS, applies_to=findings)
            )
        if indexed:
            suppressions.append(NagPackSuppression(id="AwsSolutions-IAM5", reason=TABLE_INDEXES, applies_to=indexed))
        NagSuppressions.add_resource_suppressions(function.role, suppressions, apply_to_children=True)


def _cdk_internal(stack: SatchelStack) -> None:
    """The singleton Lambda CDK deploys to configure bucket notifications (one API call at deploy time)."""
    for child in stack.node.children:
        if child.node.id.startswith("BucketNotificationsHandler"):
            NagSuppressions.add_resource_suppressions(
                child,
                [
                    NagPackSuppression(
                        id="AwsSolutions-IAM4",
                        reason="CDK's BucketNotificationsHandler custom resource only writes its own logs "
                        "with the AWS basic execution policy; it runs during deployments only.",
                        applies_to=[
                            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
                        ],
                    ),
                ],
                apply_to_children=True,
            )


def _api(stack: SatchelStack) -> None:
    rest_api = stack.api.api
    NagSuppressions.add_resource_suppressions(
        rest_api,
        [
            NagPackSuppression(
                id="AwsSolutions-APIG2",
                reason="Requests are validated in satchel (one place) so a bad field answers 400 in the "
                "Satchel error envelope naming the field; API Gateway model validation would answer "
                "in its own format and duplicate the rules.",
            ),
        ],
    )
    NagSuppressions.add_resource_suppressions(
        rest_api.deployment_stage,
        [
            NagPackSuppression(
                id="AwsSolutions-APIG3",
                reason="No WAF yet: stage throttling is the outer guard and satchel enforces per-principal "
                "rate limits; a web ACL is a per-environment cost decision (docs/decisions.md).",
            )
        ],
    )
    role = rest_api.node.try_find_child("CloudWatchRole")
    if role is not None:
        NagSuppressions.add_resource_suppressions(
            role,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM4",
                    reason="API Gateway's account-level logging role; the AWS managed policy is the "
                    "documented way to let API Gateway write execution and access logs.",
                    applies_to=[
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                    ],
                )
            ],
        )
    for route, method in stack.api.methods.items():
        suppressions = [
            NagPackSuppression(
                id="AwsSolutions-COG4",
                reason="Satchel issues its own JWTs (issue 3: login, refresh rotation, denylist); a Lambda "
                "REQUEST authorizer verifies them instead of a Cognito user pool.",
            )
        ]
        if not route.auth:
            suppressions.append(
                NagPackSuppression(
                    id="AwsSolutions-APIG4",
                    reason="Public by design: the path token (256 random bits, stored hashed, expiring, "
                    "use-counted) is the credential, or the route is login/refresh, which issue tokens.",
                )
            )
        NagSuppressions.add_resource_suppressions(method, suppressions)
