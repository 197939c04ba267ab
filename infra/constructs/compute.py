"""The one builder of Lambda functions, and the shared layer they all use.

Every function gets the same runtime, architecture, JSON logging, tracing and an explicit log
group with retention; what differs (permissions, settings) comes from its FunctionSpec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct
from satchel.tables import TABLES
from satchel.transfers.service import ARTIFACT_PREFIX

from infra.functions import FUNCTIONS_DIR, QUERY, SETTINGS_NEEDS, FunctionSpec, StackValue, service_name
from infra.layer_bundling import SharedLayerBuild

RUNTIME = lambda_.Runtime.PYTHON_3_14  # the newest Python runtime aws-cdk-lib offers
ARCHITECTURE = lambda_.Architecture.ARM_64
HANDLER = "handler.lambda_handler"
METRICS_NAMESPACE = "Satchel"  # satchel.observability emits ServerErrors here


class SharedLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, build: SharedLayerBuild) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=build.code(),
            compatible_runtimes=[build.runtime],
            compatible_architectures=[ARCHITECTURE],
            description="satchel package and its runtime dependencies",
            removal_policy=RemovalPolicy.RETAIN,  # deployed versions stay usable during rollbacks
        )


@dataclass(frozen=True)
class FunctionResources:
    """What a spec may be granted access to."""

    tables: Mapping[str, dynamodb.Table]
    bucket: s3.IBucket
    signing_keys: secretsmanager.ISecret
    jwt_issuer: str
    jwt_audience: str


def environment(spec: FunctionSpec, resources: FunctionResources) -> dict[str, str]:
    """Powertools configuration plus exactly the variables the spec's settings classes read."""
    values = {
        StackValue.ARTIFACTS_BUCKET: resources.bucket.bucket_name,
        StackValue.JWT_SECRET_ID: resources.signing_keys.secret_arn,
        StackValue.JWT_ISSUER: resources.jwt_issuer,
        StackValue.JWT_AUDIENCE: resources.jwt_audience,
    }
    env = {
        "POWERTOOLS_SERVICE_NAME": service_name(spec.name),
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    tables = set(spec.table_actions)
    for group in sorted(spec.settings):
        needs = SETTINGS_NEEDS[group]
        tables.update(needs.tables)
        env.update({value.value: values[value] for value in needs.values})
    for logical in sorted(tables):
        env[TABLES[logical].env_var] = resources.tables[logical].table_name
    return env


def table_arns(table: dynamodb.Table, actions: tuple[str, ...]) -> list[str]:
    """The table, plus its indexes only for actions that can address an index (Table.grant adds
    index ARNs for every action)."""
    arns = [table.table_arn]
    if QUERY in actions or "dynamodb:Scan" in actions:
        arns.append(f"{table.table_arn}/index/*")
    return arns


class SatchelFunction(Construct):
    """A function from functions/<name>/ with its own role holding only what its spec grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        layer: lambda_.ILayerVersion,
        resources: FunctionResources,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Satchel {spec.name}: least privilege from infra/functions.py",
        )
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.function = lambda_.Function(
            self,
            "Function",
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(Path(FUNCTIONS_DIR, spec.name)), exclude=["__pycache__", "*.pyc"]),
            layers=[layer],
            role=self.role,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            environment=environment(spec, resources),
        )
        self._grant(resources)

    def _grant(self, resources: FunctionResources) -> None:
        # Grants rather than inline policy documents: ARNs come from the constructs, statements
        # land in the role's one default policy, and the actions are exactly the spec's.
        self.log_group.grant_write(self.role)
        for logical, actions in self.spec.table_actions.items():
            iam.Grant.add_to_principal(
                grantee=self.role, actions=list(actions), resource_arns=table_arns(resources.tables[logical], actions)
            )
        if self.spec.object_actions:
            iam.Grant.add_to_principal(
                grantee=self.role,
                actions=list(self.spec.object_actions),
                resource_arns=[resources.bucket.arn_for_objects(f"{ARTIFACT_PREFIX}*")],
            )
        if self.spec.reads_signing_keys:
            resources.signing_keys.grant_read(self.role)
