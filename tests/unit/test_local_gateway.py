"""The local stack's API Gateway emulation and SQS poller, with recorded fake functions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from satchel import gateway_errors
from satchel.contract import Answer, Contract
from satchel.gateway_errors import RESPONSE_HEADERS, response_headers
from satchel.routes import Route

from infra.local.gateway import Gateway, HttpRequest, policy_allows
from infra.local.notifications import QueuePoller

THINGS = Contract(summary="things", answers=(Answer(200, "a thing"),))
ROUTES = (
    Route("POST", "/things", "things", THINGS, auth=True),
    Route("GET", "/things/{id}", "things", THINGS, auth=False),
    Route("HEAD", "/things/{id}", "things", THINGS, auth=False),
)
OK = {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "hello"}


def allow(
    resource: str = "arn:aws:execute-api:us-east-1:000000000000:local/local/*/*", **context: Any
) -> dict[str, Any]:
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": context,
    }


class Functions:
    """Records every invocation; answers with a canned result or raises it."""

    def __init__(self, authorizer: Any = None, function: Any = None):
        self.results = {"authorizer": authorizer if authorizer is not None else allow(), "things": function or OK}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        self.calls.append((name, event))
        result = self.results[name]
        if isinstance(result, Exception):
            raise result
        return result

    def event_of(self, name: str) -> dict[str, Any]:
        return next(event for called, event in self.calls if called == name)


def request(
    method: str = "POST", target: str = "/things", authorization: str | None = "Bearer t", body: bytes = b"{}"
) -> HttpRequest:
    headers = [("Host", "127.0.0.1:3000"), ("X-Forwarded-Proto", "https")]
    if authorization is not None:
        headers.append(("Authorization", authorization))
    return HttpRequest(method=method, target=target, headers=headers, body=body, client_ip="127.0.0.1")


def handle(functions: Functions, req: HttpRequest | None = None) -> tuple[int, dict[str, str], bytes]:
    response = Gateway(functions, region="us-east-1", routes=ROUTES).handle(req or request())
    return response.status, dict(response.headers), response.body


def error_of(status_headers_body: tuple[int, dict[str, str], bytes]) -> tuple[int, str]:
    """(status, code) of a gateway error, after checking it looks as the deployed one does."""
    status, headers, body = status_headers_body
    error = json.loads(body)["error"]
    assert error["requestId"] == headers["x-amzn-RequestId"] == headers["X-Correlation-Id"]
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "application/json"
    assert error["message"]
    return status, error["code"]


def test_allowed_request_reaches_the_function_with_the_authorizer_context() -> None:
    functions = Functions(authorizer=allow(roles="user,admin", exp=1700000000, fresh=True))
    status, _, body = handle(functions, request(target="/things?a=1&a=2&b=x"))
    assert (status, body) == (200, b"hello")
    event = functions.event_of("things")
    assert event["requestContext"]["authorizer"] == {
        "principalId": "user-1",
        "integrationLatency": 0,
        "roles": "user,admin",
        "exp": "1700000000",
        "fresh": "true",
    }
    assert event["resource"] == event["requestContext"]["resourcePath"] == "/things"
    assert event["requestContext"]["domainName"] == "127.0.0.1:3000"
    assert event["headers"]["X-Forwarded-Proto"] == "http"  # the client cannot claim https
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}


def test_authorizer_gets_a_request_event_with_the_api_request_id() -> None:
    functions = Functions()
    _, headers, _ = handle(functions, request(target="/things?a=1"))
    authorizer_event = functions.event_of("authorizer")
    proxy_event = functions.event_of("things")
    assert authorizer_event["type"] == "REQUEST"
    assert authorizer_event["methodArn"] == "arn:aws:execute-api:us-east-1:000000000000:local/local/POST/things"
    assert authorizer_event["requestContext"]["requestId"] == headers["x-amzn-RequestId"]
    assert authorizer_event["headers"]["Authorization"] == "Bearer t"
    assert authorizer_event["multiValueHeaders"]["Authorization"] == ["Bearer t"]
    # The request as the function sees it, minus the body and the authorizer's own decision.
    for name in ("resource", "path", "httpMethod", "queryStringParameters", "pathParameters"):
        assert authorizer_event[name] == proxy_event[name], name
    assert "body" not in authorizer_event
    assert "authorizer" not in authorizer_event["requestContext"]


def test_missing_token_is_401_without_calling_the_authorizer() -> None:
    functions = Functions()
    assert error_of(handle(functions, request(authorization=None))) == (401, "UNAUTHORIZED")
    assert functions.calls == []


def test_authorizer_unauthorized_is_401() -> None:
    functions = Functions(authorizer=Exception("Unauthorized"))
    assert error_of(handle(functions)) == (401, "UNAUTHORIZED")
    assert [name for name, _ in functions.calls] == ["authorizer"]


def test_authorizer_crash_is_500_authorizer_failure() -> None:
    assert error_of(handle(Functions(authorizer=RuntimeError("boom")))) == (500, "AUTHORIZER_FAILURE")


@pytest.mark.parametrize(
    "decision",
    [
        {
            **allow(),
            "policyDocument": {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}]},
        },
        allow(resource="arn:aws:execute-api:us-east-1:000000000000:local/local/GET/*"),
    ],
    ids=["deny", "allow-elsewhere"],
)
def test_policy_that_does_not_allow_this_method_is_403(decision: dict[str, Any]) -> None:
    functions = Functions(authorizer=decision)
    assert error_of(handle(functions)) == (403, "FORBIDDEN")
    assert [name for name, _ in functions.calls] == ["authorizer"]


@pytest.mark.parametrize(
    "decision",
    [{"policyDocument": allow()["policyDocument"]}, allow(nested={"not": "flat"})],
    ids=["no-principal", "nested-context"],
)
def test_malformed_authorizer_result_is_500(decision: dict[str, Any]) -> None:
    assert error_of(handle(Functions(authorizer=decision))) == (500, "AUTHORIZER_FAILURE")


def test_explicit_deny_beats_allow() -> None:
    arn = "arn:aws:execute-api:us-east-1:0:api/stage/POST/things"
    statements = [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "arn:aws:execute-api:*:*:api/stage/POST/*"},
    ]
    assert policy_allows({"Statement": statements[:1]}, arn)
    assert not policy_allows({"Statement": statements}, arn)


def test_a_wildcard_matches_any_path_a_method_arn_can_hold() -> None:
    # A path parameter with %0A once fell outside the API-wide Allow: 403 FORBIDDEN (found by fuzzing).
    policy = {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:*/*/*"}]}
    for path in ("/users/a\nb", "/users/\n", "/users/\u00e5\x7f\x9b"):
        assert policy_allows(policy, f"arn:aws:execute-api:us-east-1:0:api/stage/PATCH{path}")


def test_unknown_route_and_wrong_method_are_both_404_as_deployed() -> None:
    # API Gateway answers both with MISSING_AUTHENTICATION_TOKEN (our 404); it never says 405.
    functions = Functions()
    assert error_of(handle(functions, request(target="/nothing"))) == (404, "ROUTE_NOT_FOUND")
    wrong_method = handle(functions, request(method="DELETE", target="/things/7"))
    assert error_of(wrong_method) == (404, "ROUTE_NOT_FOUND")
    assert "Allow" not in wrong_method[1]
    assert functions.calls == []


def test_gateway_errors_carry_the_headers_the_cdk_gateway_responses_set() -> None:
    _, headers, _ = handle(Functions(), request(target="/nothing"))
    expected = response_headers(headers["x-amzn-RequestId"])
    assert {name: headers[name] for name in RESPONSE_HEADERS} == expected
    assert expected == {"X-Correlation-Id": headers["x-amzn-RequestId"], "Cache-Control": "no-store"}


def test_function_crash_or_malformed_response_is_502() -> None:
    assert error_of(handle(Functions(function=RuntimeError("boom")))) == (502, "INTERNAL_ERROR")
    assert error_of(handle(Functions(function={"statusCode": "200"}))) == (502, "INTERNAL_ERROR")


def test_path_parameters_headers_merge_and_head_without_body() -> None:
    result = {
        "statusCode": 200,
        "headers": {"X-One": "a", "X-Both": "single"},
        "multiValueHeaders": {"X-Both": ["m1", "m2"]},
        "body": "ignored for HEAD",
    }
    functions = Functions(function=result)
    response = Gateway(functions, region="us-east-1", routes=ROUTES).handle(
        request(method="HEAD", target="/things/a%20b", authorization=None)
    )
    assert functions.event_of("things")["pathParameters"] == {"id": "a b"}
    assert response.body == b""
    assert [v for k, v in response.headers if k == "X-Both"] == ["m1", "m2"]
    assert ("X-One", "a") in response.headers


class FakeSqs:
    def __init__(self, messages: list[dict[str, Any]]):
        self.messages = messages
        self.deleted: list[str] = []

    def receive_message(self, **_: Any) -> dict[str, Any]:
        return {"Messages": self.messages}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        self.deleted += [entry["ReceiptHandle"] for entry in Entries]


def message(n: int) -> dict[str, Any]:
    return {"MessageId": f"m{n}", "ReceiptHandle": f"r{n}", "Body": "{}", "MD5OfBody": "x", "Attributes": {}}


@pytest.mark.parametrize(
    ("outcome", "deleted"),
    [
        ({"batchItemFailures": []}, ["r1", "r2", "r3"]),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, ["r1", "r3"]),
        (RuntimeError("crashed"), []),
    ],
    ids=["all-succeeded", "one-failed", "function-crashed"],
)
def test_poller_deletes_only_what_the_function_processed(outcome: Any, deleted: list[str]) -> None:
    sqs = FakeSqs([message(1), message(2), message(3)])
    functions = Functions()
    functions.results["upload_complete"] = outcome
    QueuePoller(sqs, "queue-url", "arn:aws:sqs:us-east-1:0:q", functions, region="us-east-1").poll_once()
    assert sqs.deleted == deleted
    records = functions.event_of("upload_complete")["Records"]
    assert [r["messageId"] for r in records] == ["m1", "m2", "m3"]
    assert {r["eventSource"] for r in records} == {"aws:sqs"}


# -- paths, methods and quotas as API Gateway applies them --------------------------------------
PATH_ROUTES = (
    Route("POST", "/things/upload/{id}", "things", THINGS, auth=False),
    Route("GET", "/things/{id}", "things", THINGS, auth=False),
)


def test_an_encoded_slash_stays_inside_its_path_parameter() -> None:
    # /things/upload%2Fabc is one segment after /things: it must not reach POST /things/upload/{id}.
    functions = Functions()
    gateway = Gateway(functions, region="us-east-1", routes=PATH_ROUTES)
    post = gateway.handle(request(method="POST", target="/things/upload%2Fabc", authorization=None))
    assert error_of((post.status, dict(post.headers), post.body)) == (404, "ROUTE_NOT_FOUND")
    assert functions.calls == []

    get = gateway.handle(request(method="GET", target="/things/upload%2Fabc", authorization=None))
    assert get.status == 200
    event = functions.event_of("things")
    assert event["pathParameters"] == {"id": "upload/abc"}
    assert event["resource"] == "/things/{id}"


def test_path_and_parameters_are_decoded_once() -> None:
    functions = Functions()
    Gateway(functions, region="us-east-1", routes=PATH_ROUTES).handle(
        request(method="GET", target="/things/a%2520b", authorization=None)
    )
    event = functions.event_of("things")
    assert event["pathParameters"] == {"id": "a%20b"}
    assert event["path"] == "/things/a%20b"


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "get", "CONNECT"])
def test_methods_a_rest_api_cannot_have_are_404_like_an_unknown_route(method: str) -> None:
    functions = Functions()
    assert error_of(handle(functions, request(method=method, target="/things/7"))) == (404, "ROUTE_NOT_FOUND")
    assert functions.calls == []


def test_any_route_takes_every_rest_method_and_nothing_else() -> None:
    functions = Functions()
    gateway = Gateway(functions, region="us-east-1", routes=(Route("ANY", "/any", "things", THINGS, auth=False),))
    assert gateway.handle(request(method="PATCH", target="/any")).status == 200
    assert gateway.handle(request(method="TRACE", target="/any")).status == 404


@pytest.mark.parametrize(
    ("req", "expected"),
    [
        (request(target="/things?q=" + "x" * 10240), (414, "REQUEST_REJECTED")),
        (request(authorization="Bearer " + "x" * 10240), (431, "REQUEST_REJECTED")),
        (request(body=b"x" * (10 * 1024 * 1024 + 1)), (413, "PAYLOAD_TOO_LARGE")),
    ],
    ids=["url", "header-values", "payload"],
)
def test_requests_over_a_rest_api_quota_are_refused_before_any_function(
    req: HttpRequest, expected: tuple[int, str]
) -> None:
    functions = Functions()
    assert error_of(handle(functions, req)) == expected
    assert functions.calls == []


def test_requests_at_the_quotas_pass() -> None:
    functions = Functions()
    at_limits = request(target="/things?q=" + "x" * (10240 - len("/things?q=")), body=b"x" * (10 * 1024 * 1024))
    assert handle(functions, at_limits)[0] == 200


def test_an_authorized_route_whose_method_arn_passes_1600_bytes_is_414() -> None:
    # Documented: the ARN includes the path, so long path parameters on a protected route are 414.
    functions = Functions()
    routes = (
        Route("GET", "/things/{id}", "things", THINGS, auth=True),
        Route("GET", "/open/{id}", "things", THINGS, auth=False),
    )
    gateway = Gateway(functions, region="us-east-1", routes=routes)
    long_id = "x" * 1600
    response = gateway.handle(request(method="GET", target=f"/things/{long_id}"))
    assert error_of((response.status, dict(response.headers), response.body)) == (414, "REQUEST_REJECTED")
    assert functions.calls == []
    assert gateway.handle(request(method="GET", target=f"/open/{long_id}")).status == 200


def test_the_edges_own_4xx_use_the_body_of_the_default_4xx_gateway_response() -> None:
    # Deployed, a 414 or 431 reaches the client through DEFAULT_4XX: its status, REQUEST_REJECTED's body.
    for error in (gateway_errors.URI_TOO_LONG, gateway_errors.HEADERS_TOO_LARGE):
        assert (error.code, error.message) == (
            gateway_errors.REQUEST_REJECTED.code,
            gateway_errors.REQUEST_REJECTED.message,
        )
        assert error.response_types == ()
        assert error not in gateway_errors.GATEWAY_ERRORS  # adds no gateway response to the CDK stack
