"""The REST API mirrors satchel.routes.ROUTES; API Gateway's own errors use the envelope."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Capture, Match
from satchel.gateway_errors import GATEWAY_ERRORS
from satchel.routes import AUTHORIZER_FUNCTION, ROUTES

from infra.constructs.api import AUTHORIZER_CACHE_SECONDS


def resource_paths(synth) -> dict[str, str]:
    """Logical id of each AWS::ApiGateway::Resource -> its full path, rebuilt from parent links."""
    resources = synth.of_type("AWS::ApiGateway::Resource")

    def path_of(logical: str) -> str:
        properties = resources[logical]["Properties"]
        parent = properties["ParentId"]
        prefix = "" if "Fn::GetAtt" in parent else path_of(parent["Ref"])
        return f"{prefix}/{properties['PathPart']}"

    return {logical: path_of(logical) for logical in resources}


def methods(synth) -> dict[tuple[str, str], dict[str, Any]]:
    paths = resource_paths(synth)
    found = {}
    for method in synth.of_type("AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        resource = properties["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        found[(properties["HttpMethod"], path)] = properties
    return found


def test_api_has_exactly_the_routes_of_the_route_table(synth):
    assert set(methods(synth)) == {(route.method, route.path) for route in ROUTES}
    assert ("HEAD", "/artifacts/{token}") in methods(synth)


def test_each_route_proxies_to_its_function_with_the_right_authorization(synth):
    authorizer_id = synth.logical_id(synth.stack.api.authorizer)
    found = methods(synth)
    for route in ROUTES:
        properties = found[(route.method, route.path)]
        integration = properties["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert integration["IntegrationHttpMethod"] == "POST"
        function_id = synth.logical_id(synth.stack.functions[route.function].function)
        assert function_id in json.dumps(integration["Uri"]), route
        if route.auth:
            assert properties["AuthorizationType"] == "CUSTOM", route
            assert properties["AuthorizerId"] == {"Ref": authorizer_id}, route
        else:
            assert properties["AuthorizationType"] == "NONE", route
            assert "AuthorizerId" not in properties, route


def test_request_authorizer_is_keyed_by_the_authorization_header_and_caches_at_most_60s(synth):
    # REQUEST, not TOKEN: only a REQUEST event carries the API request id for the authorizer's logs.
    uri = Capture()
    synth.template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "REQUEST",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": AUTHORIZER_CACHE_SECONDS,
            "AuthorizerUri": uri,
        },
    )
    assert 0 < AUTHORIZER_CACHE_SECONDS <= 60
    authorizer_fn = synth.logical_id(synth.stack.functions[AUTHORIZER_FUNCTION].function)
    assert authorizer_fn in json.dumps(uri.as_object())


def test_gateway_responses_answer_with_the_error_envelope_and_headers(synth):
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synth.of_type("AWS::ApiGateway::GatewayResponse").values()
    }
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED"} <= set(responses)
    for error in GATEWAY_ERRORS:
        for response_type in error.response_types:
            properties = responses[response_type]
            body = json.loads(properties["ResponseTemplates"]["application/json"])
            assert body == {"error": {"code": error.code, "message": error.message, "requestId": "$context.requestId"}}
            # The local gateway answers with these same headers (tests/unit/test_local_gateway.py).
            assert properties["ResponseParameters"] == {
                "gatewayresponse.header.X-Correlation-Id": "context.requestId",
                "gatewayresponse.header.Cache-Control": "'no-store'",
            }
            if response_type.startswith("DEFAULT_"):
                assert "StatusCode" not in properties  # keep API Gateway's own 4xx/5xx status
            else:
                assert properties["StatusCode"] == str(error.status)


def test_unknown_routes_answer_404_not_api_gateways_403(synth):
    synth.template.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {"ResponseType": "MISSING_AUTHENTICATION_TOKEN", "StatusCode": "404"},
    )


def test_catch_all_4xx_code_claims_no_particular_status(synth):
    # DEFAULT_4XX keeps API Gateway's status (400, 403, 415...), so its code must not say BAD_REQUEST.
    synth.template.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseType": "DEFAULT_4XX",
            "ResponseTemplates": {"application/json": Match.string_like_regexp('"code":"REQUEST_REJECTED"')},
        },
    )


def test_stage_logs_traces_and_throttles(synth):
    access_logs = synth.logical_id(synth.stack.api.access_logs)
    log_format = Capture()
    synth.template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "TracingEnabled": True,
            "AccessLogSetting": {"DestinationArn": {"Fn::GetAtt": [access_logs, "Arn"]}, "Format": log_format},
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {
                            "HttpMethod": "*",
                            "ResourcePath": "/*",
                            "ThrottlingRateLimit": 50,
                            "ThrottlingBurstLimit": 100,
                            "LoggingLevel": "ERROR",
                            "DataTraceEnabled": False,
                        }
                    )
                ]
            ),
        },
    )
    fields = json.loads(log_format.as_string())
    assert fields["requestId"] == "$context.requestId"
    assert synth.resource(synth.stack.api.access_logs)["Properties"]["RetentionInDays"] == 30


def test_the_openapi_document_is_a_public_route_and_local_only_routes_are_absent(synth):
    found = methods(synth)
    document = found[("GET", "/openapi.json")]
    assert document["AuthorizationType"] == "NONE"
    function_id = synth.logical_id(synth.stack.functions["openapi"].function)
    assert function_id in json.dumps(document["Integration"]["Uri"])
    assert not any(path == "/docs" or path.startswith(("/docs/", "/_local")) for _, path in found)
