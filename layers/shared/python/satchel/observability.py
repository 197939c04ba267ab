"""The one Logger, Tracer and Metrics of a function. Import these; never build a second Logger()."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Satchel")
