"""One Satchel stage: tables, storage, identity, functions, API and alarms."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from constructs import Construct
from satchel.routes import AUTHORIZER_FUNCTION, ROUTES, UPLOAD_COMPLETE_FUNCTION, Route
from satchel.tables import TABLES

from infra import nag
from infra.constructs.api import RestApi, StageLimits
from infra.constructs.compute import (
    METRICS_NAMESPACE,
    RUNTIME,
    FunctionResources,
    SatchelFunction,
    SharedLayer,
)
from infra.constructs.identity import Identity
from infra.constructs.observability import Alarms
from infra.constructs.storage import ArtifactStorage
from infra.constructs.tables import Tables
from infra.functions import SERVICE_NAME, SPECS, FunctionSpec, specs_by_name
from infra.layer_bundling import SharedLayerBuild


@dataclass(frozen=True)
class StageConfig:
    name: str
    jwt_issuer: str
    jwt_audience: str = "satchel-api"
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    limits: StageLimits = field(default_factory=lambda: StageLimits(rate_per_second=50, burst=100))
    alarm_email: str | None = None
    # Data (tables, artifacts) outlives a deleted stack unless the stage says otherwise.
    retain_data: bool = True


class SatchelStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        layer_build: SharedLayerBuild | None = None,
        specs: tuple[FunctionSpec, ...] = SPECS,
        routes: tuple[Route, ...] = ROUTES,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        removal = RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY
        self.tables = Tables(self, "Tables", removal_policy=removal)
        self.storage = ArtifactStorage(self, "Storage", removal_policy=removal)
        self.identity = Identity(
            self, "Identity", stage=config.name, issuer=config.jwt_issuer, audience=config.jwt_audience
        )
        layer = SharedLayer(self, "Shared", build=layer_build or SharedLayerBuild.for_runtime(RUNTIME))

        resources = FunctionResources(
            tables=self.tables.by_name,
            bucket=self.storage.bucket,
            signing_keys=self.identity.signing_keys,
            jwt_issuer=self.identity.issuer,
            jwt_audience=self.identity.audience,
        )
        self.functions: dict[str, SatchelFunction] = {
            name: SatchelFunction(
                self,
                "".join(part.title() for part in name.split("_")),
                spec=spec,
                layer=layer.layer,
                resources=resources,
                log_retention=config.log_retention,
            )
            for name, spec in specs_by_name(specs, routes=routes, tables=TABLES).items()
        }
        self.functions[UPLOAD_COMPLETE_FUNCTION].function.add_event_source(
            event_sources.SqsEventSource(self.storage.upload_events, batch_size=10, report_batch_item_failures=True)
        )
        self.api = RestApi(
            self,
            "Api",
            stage=config.name,
            functions={route.function: self.functions[route.function].function for route in routes},
            authorizer_function=self.functions[AUTHORIZER_FUNCTION].function,
            limits=config.limits,
            log_retention=config.log_retention,
            routes=routes,
        )
        self.alarms = Alarms(
            self,
            "Alarms",
            api=self.api.api,
            service_name=SERVICE_NAME,
            metrics_namespace=METRICS_NAMESPACE,
            email=config.alarm_email,
        )
        CfnOutput(self, "SigningKeysSecretArn", value=self.identity.signing_keys.secret_arn)
        CfnOutput(self, "ArtifactsBucketName", value=self.storage.bucket.bucket_name)
        CfnOutput(self, "UploadEventsDlqUrl", value=self.storage.upload_events_dlq.queue_url)
        CfnOutput(self, "AlarmTopicArn", value=self.alarms.topic.topic_arn)
        # Operator commands (infra/admin) name the deployed stack by this function.
        CfnOutput(self, "AuthFunctionName", value=self.functions["auth"].function.function_name)
        nag.suppress(self)
