"""Fixtures shared by every test tier."""

from __future__ import annotations

import os

# Never let a test reach a real AWS account, whatever the developer's shell has configured.
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_SERVICE_NAME="satchel-tests",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="Satchel",
    POWERTOOLS_LOG_LEVEL="WARNING",
    # The CDK library's Node runtime banner about Node versions is noise in test output.
    JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
)
