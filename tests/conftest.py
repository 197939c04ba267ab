"""Fixtures shared by every test tier, and the recorder of documented answers."""

from __future__ import annotations

import os

import pytest

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

from tests.support.answers import AnswerRecorder  # noqa: E402  (after the environment is set)

# -- documented answers: the session's record (tests/support/answers.py), read by the checks in
# tests/test_documented_answers.py, which run after every other test.
DOCUMENTED_ANSWERS = pytest.StashKey[AnswerRecorder]()


def pytest_configure(config: pytest.Config) -> None:
    recorder = AnswerRecorder(config)
    config.stash[DOCUMENTED_ANSWERS] = recorder
    config.pluginmanager.register(recorder, "satchel-documented-answers")


@pytest.fixture(scope="session")
def documented_answers(pytestconfig: pytest.Config) -> AnswerRecorder:
    """The session's record of answers, and whether the whole suite is running."""
    return pytestconfig.stash[DOCUMENTED_ANSWERS]
