"""The REST API, built from satchel.routes.ROUTES.

One proxy integration per function; routes with auth=True go through the REQUEST authorizer
(a REQUEST event carries the API request id and headers, so the authorizer's log lines carry the
request's correlation id; a TOKEN event carries only the token). API Gateway's own errors
(authorizer rejections, unknown routes, throttling, crashes) answer with the same JSON envelope and
headers as the functions, from satchel.gateway_errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from satchel.gateway_errors import GATEWAY_ERRORS, RESPONSE_HEADERS
from satchel.routes import ROUTES, Route

# API Gateway serves a cached authorizer decision (keyed by the Authorization header) for this long,
# so a revoked (logged out) access token keeps working for at most this many seconds. Issue 3
# bounds it at 60 s.
AUTHORIZER_CACHE_SECONDS = 30
CATCH_ALL_TYPES = {"DEFAULT_4XX", "DEFAULT_5XX"}  # keep API Gateway's own status code


@dataclass(frozen=True)
class StageLimits:
    """Stage-wide throttling: the outer guard in front of the per-principal rate limits."""

    rate_per_second: int
    burst: int


def _access_log_format() -> apigw.AccessLogFormat:
    return apigw.AccessLogFormat.custom(
        '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
        '"method":"$context.httpMethod","resource":"$context.resourcePath","status":"$context.status",'
        '"latencyMs":"$context.responseLatency","principal":"$context.authorizer.principalId",'
        '"errorType":"$context.error.responseType","authorizerError":"$context.authorizer.error",'
        '"integrationError":"$context.integration.error","xrayTraceId":"$context.xrayTraceId"}'
    )


class RestApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        functions: Mapping[str, lambda_.IFunction],
        authorizer_function: lambda_.IFunction,
        limits: StageLimits,
        log_retention: logs.RetentionDays,
        routes: tuple[Route, ...] = ROUTES,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"satchel-{stage}",
            description="Satchel REST API (built from satchel.routes.ROUTES)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            deploy_options=apigw.StageOptions(
                stage_name=stage,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # would log request bodies, tokens included
                throttling_rate_limit=limits.rate_per_second,
                throttling_burst_limit=limits.burst,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=_access_log_format(),
            ),
        )
        # Without an Authorization header API Gateway answers 401 without calling the authorizer.
        self.authorizer = apigw.RequestAuthorizer(
            self,
            "JwtAuthorizer",
            handler=authorizer_function,
            identity_sources=[apigw.IdentitySource.header("Authorization")],
            results_cache_ttl=Duration.seconds(AUTHORIZER_CACHE_SECONDS),
        )
        self.methods: dict[Route, apigw.Method] = {}
        integrations = {name: apigw.LambdaIntegration(fn, proxy=True) for name, fn in functions.items()}
        for route in routes:
            resource = self.api.root.resource_for_path(route.path)
            auth = (
                {"authorizer": self.authorizer, "authorization_type": apigw.AuthorizationType.CUSTOM}
                if route.auth
                else {"authorization_type": apigw.AuthorizationType.NONE}
            )
            self.methods[route] = resource.add_method(route.method, integrations[route.function], **auth)
        self._gateway_responses()

    def _gateway_responses(self) -> None:
        for error in GATEWAY_ERRORS:
            for response_type in error.response_types:
                self.api.add_gateway_response(
                    f"Gateway{response_type.title().replace('_', '')}",
                    type=apigw.ResponseType.of(response_type),
                    status_code=None if response_type in CATCH_ALL_TYPES else str(error.status),
                    response_headers=dict(RESPONSE_HEADERS),
                    templates={"application/json": error.response_template()},
                )
