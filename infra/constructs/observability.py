"""Alarms that page someone: API 5xx, authorizer failures, and the functions' own ServerErrors."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

PERIOD = Duration.minutes(5)
# By API Gateway's contract the authorizer rejects a bad token by failing ("Unauthorized"), which
# Lambda counts as an error, so its Errors metric rises with junk traffic. The authorizer emits
# this metric only when it fails for any other reason (keys unreadable, DynamoDB down, a bug).
AUTHORIZER_FAILURES_METRIC = "AuthorizerFailures"


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        service_name: str,
        metrics_namespace: str,
        email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        # CloudWatch can only publish to an encrypted topic through a customer key that lets it.
        self.key = kms.Key(self, "TopicKey", enable_key_rotation=True, description="Satchel alarm topic")
        self.key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        self.topic = sns.Topic(self, "Topic", display_name="Satchel alarms", master_key=self.key, enforce_ssl=True)
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        self.api_5xx = self._alarm(
            "Api5xx",
            api.metric_server_error(period=PERIOD, statistic="Sum"),
            threshold=1,
            description="The API answered 5xx (functions, integrations or the authorizer failed)",
        )
        self.authorizer_failures = self._alarm(
            "AuthorizerFailures",
            self._satchel_metric(metrics_namespace, AUTHORIZER_FAILURES_METRIC, service_name),
            threshold=1,
            description="The JWT authorizer failed unexpectedly (rejected tokens do not count)",
        )
        self.server_errors = self._alarm(
            "ServerErrors",
            self._satchel_metric(metrics_namespace, "ServerErrors", service_name),
            threshold=1,
            description="A function answered 5xx (the ServerErrors metric from satchel.http)",
        )

    @staticmethod
    def _satchel_metric(namespace: str, name: str, service_name: str) -> cloudwatch.Metric:
        """A metric from satchel.observability: Powertools adds the service dimension."""
        return cloudwatch.Metric(
            namespace=namespace,
            metric_name=name,
            dimensions_map={"service": service_name},
            period=PERIOD,
            statistic="Sum",
        )

    def _alarm(self, name: str, metric: cloudwatch.IMetric, *, threshold: float, description: str) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        return alarm
