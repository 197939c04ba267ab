"""Settings are validated once, loudly: a missing or invalid variable is a ConfigurationError."""

from __future__ import annotations

import pytest
from satchel.settings import ConfigurationError
from satchel.transfers.settings import GIB, TransferSettings

BASE = {
    "AWS_REGION": "eu-west-1",
    "ARTIFACTS_BUCKET": "bucket",
    "TOKENS_TABLE": "tokens",
    "ARTIFACTS_TABLE": "artifacts",
}


def test_defaults_match_the_contract() -> None:
    settings = TransferSettings.from_env(BASE)
    assert settings.upload_url_ttl == 900
    assert settings.download_url_ttl == 60
    assert settings.max_upload_bytes == 5 * GIB
    assert settings.aws.region == "eu-west-1"
    assert settings.aws.s3_endpoint_url is None


@pytest.mark.parametrize("missing", sorted(BASE))
def test_missing_required_variable_is_named(missing: str) -> None:
    env = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ConfigurationError, match=missing):
        TransferSettings.from_env(env)


def test_blank_counts_as_missing() -> None:
    with pytest.raises(ConfigurationError, match="ARTIFACTS_BUCKET"):
        TransferSettings.from_env({**BASE, "ARTIFACTS_BUCKET": "  "})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_UPLOAD_BYTES", "lots"),
        ("MAX_UPLOAD_BYTES", "0"),
        ("MAX_UPLOAD_BYTES", str(5 * GIB + 1)),
        ("UPLOAD_URL_TTL", "30"),
        ("UPLOAD_URL_TTL", "1.5"),
        ("DOWNLOAD_URL_TTL", "100000"),
        ("UPLOAD_TOKEN_TTL", str(8 * 24 * 3600)),
    ],
)
def test_invalid_numbers_are_rejected(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        TransferSettings.from_env({**BASE, name: value})


def test_local_endpoint_applies_to_both_services() -> None:
    settings = TransferSettings.from_env({**BASE, "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})
    assert settings.aws.s3_endpoint_url == "http://127.0.0.1:5000"
    assert settings.aws.dynamodb_endpoint_url == "http://127.0.0.1:5000"
