"""Alarms on API 5xx, authorizer failures and ServerErrors, all notifying one encrypted topic."""

from __future__ import annotations

from aws_cdk.assertions import Match
from satchel.routes import AUTHORIZER_FUNCTION

from infra.constructs.compute import METRICS_NAMESPACE
from infra.functions import SERVICE_NAME
from infra.local.lambdas import load_function


def _alarm(synth, construct):
    return synth.resource(construct)["Properties"]


def test_api_5xx_alarm(synth):
    properties = _alarm(synth, synth.stack.alarms.api_5xx)
    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/ApiGateway", "5XXError")
    assert {d["Name"] for d in properties["Dimensions"]} == {"ApiName"}
    assert properties["Threshold"] == 1


def test_authorizer_alarm_watches_unexpected_failures_not_rejected_tokens(synth):
    # Lambda's Errors metric counts every rejected token ("Unauthorized" is a raised error).
    properties = _alarm(synth, synth.stack.alarms.authorizer_failures)
    handler = load_function(AUTHORIZER_FUNCTION)
    assert (properties["Namespace"], properties["MetricName"]) == (METRICS_NAMESPACE, handler.FAILURE_METRIC)
    assert properties["Dimensions"] == [{"Name": "service", "Value": SERVICE_NAME}]
    assert (properties["Threshold"], properties["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    for alarm in synth.of_type("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["Namespace"] != "AWS/Lambda"


def test_server_errors_alarm_watches_the_satchel_metric(synth):
    properties = _alarm(synth, synth.stack.alarms.server_errors)
    assert (properties["Namespace"], properties["MetricName"]) == (METRICS_NAMESPACE, "ServerErrors")
    assert properties["Dimensions"] == [{"Name": "service", "Value": SERVICE_NAME}]


def test_every_alarm_notifies_the_topic(synth):
    topic = {"Ref": synth.logical_id(synth.stack.alarms.topic)}
    alarms = synth.of_type("AWS::CloudWatch::Alarm")
    assert len(alarms) == 3
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [topic]


def test_topic_is_encrypted_with_a_key_cloudwatch_may_use(synth):
    key = synth.logical_id(synth.stack.alarms.key)
    synth.template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key, "Arn"]}})
    synth.template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            }
                        )
                    ]
                )
            },
        },
    )
