"""The one Logger, Tracer and Metrics of a function. Import these; never build a second Logger()."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
# Patching botocore alone traces every AWS call (PynamoDB goes through a botocore client too);
# patch_all would import requests, httplib and more at cold start for nothing we call.
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics(namespace="Satchel")
