"""One contract, two stores: the DynamoDB store (moto) and the in-memory fake unit tests rely on."""

from __future__ import annotations

from typing import Any

import pytest
from satchel.errors import Gone, NotFound, SatchelError
from satchel.transfers.domain import Artifact, ArtifactStatus, Token, TokenKind, token_refusal
from satchel.transfers.settings import transfer_settings
from satchel.transfers.store import TransferStore

from tests.support.transfer_fakes import InMemoryTransferStore

NOW = 1_800_000_000


@pytest.fixture(params=["dynamodb", "in-memory"])
def store(request: pytest.FixtureRequest, stack: Any) -> Any:
    return TransferStore(transfer_settings()) if request.param == "dynamodb" else InMemoryTransferStore()


def _token(kind: TokenKind = TokenKind.UPLOAD, *, max_uses: int = 2, expires_at: int = NOW + 60, **kw: Any) -> Token:
    return Token(token_hash=f"h-{kind}", kind=kind, owner="u", uses=0, max_uses=max_uses, expires_at=expires_at, **kw)


def _artifact(uuid: str, token_hash: str = "h-upload") -> Artifact:
    return Artifact(
        uuid=uuid,
        owner="u",
        filename="a.txt",
        content_type="text/plain",
        size=5,
        s3_key=f"artifacts/{uuid}",
        status=ArtifactStatus.PENDING,
        created_at=NOW,
        updated_at=NOW,
        upload_token_hash=token_hash,
    )


class TestTransferStoreContract:
    def test_tokens_round_trip(self, store: Any) -> None:
        token = _token(TokenKind.DOWNLOAD, s3_key="artifacts/x", filename="a.txt", content_type="text/plain", size=5)
        store.put_token(token, created_at=NOW, ttl=NOW + 3600)
        assert store.get_token(token.token_hash) == token
        assert store.get_token("missing") is None

    def test_start_upload_counts_and_records_until_the_limit(self, store: Any) -> None:
        store.put_token(_token(max_uses=2), created_at=NOW, ttl=NOW)
        store.start_upload("h-upload", _artifact("a1"), now=NOW)
        store.start_upload("h-upload", _artifact("a2"), now=NOW)
        with pytest.raises(Gone) as caught:
            store.start_upload("h-upload", _artifact("a3"), now=NOW)
        assert caught.value.code == "UPLOAD_LIMIT_REACHED"
        assert store.get_token("h-upload").uses == 2
        assert store.get_artifact("a2") == _artifact("a2")
        assert store.get_artifact("a3") is None

    def test_start_upload_refuses_expired_and_wrong_kind(self, store: Any) -> None:
        store.put_token(_token(expires_at=NOW), created_at=NOW, ttl=NOW)
        store.put_token(_token(TokenKind.DOWNLOAD), created_at=NOW, ttl=NOW)
        with pytest.raises(Gone) as expired:
            store.start_upload("h-upload", _artifact("a1"), now=NOW)
        assert expired.value.code == "TOKEN_EXPIRED"
        with pytest.raises(NotFound):  # a download token is no upload token, as on the read path
            store.start_upload("h-download", _artifact("a1", "h-download"), now=NOW)
        assert store.get_artifact("a1") is None

    def test_refusals_are_the_ones_the_shared_rule_decides(self, store: Any) -> None:
        store.put_token(_token(max_uses=1), created_at=NOW, ttl=NOW)
        store.put_token(_token(TokenKind.DOWNLOAD, max_uses=1), created_at=NOW, ttl=NOW)
        store.start_upload("h-upload", _artifact("a1"), now=NOW)
        store.consume_download("h-download", now=NOW)
        attempts = [
            (TokenKind.UPLOAD, "h-upload", lambda now: store.start_upload("h-upload", _artifact("a2"), now=now)),
            (TokenKind.DOWNLOAD, "h-download", lambda now: store.consume_download("h-download", now=now)),
        ]
        for kind, token_hash, use in attempts:
            for now in (NOW, NOW + 60):  # used up, then also expired
                with pytest.raises(SatchelError) as refused:
                    use(now)
                expected = token_refusal(store.get_token(token_hash), kind, now)
                assert expected is not None
                assert (refused.value.code, refused.value.message) == (expected.code, expected.message)

    def test_consume_download_counts_then_refuses(self, store: Any) -> None:
        store.put_token(_token(TokenKind.DOWNLOAD, max_uses=2), created_at=NOW, ttl=NOW)
        assert store.consume_download("h-download", now=NOW).remaining == 1
        assert store.consume_download("h-download", now=NOW).remaining == 0
        with pytest.raises(Gone) as caught:
            store.consume_download("h-download", now=NOW)
        assert caught.value.code == "DOWNLOAD_LIMIT_REACHED"

    def test_consume_download_distinguishes_expired_and_unknown(self, store: Any) -> None:
        store.put_token(_token(TokenKind.DOWNLOAD, expires_at=NOW), created_at=NOW, ttl=NOW)
        store.put_token(_token(TokenKind.UPLOAD), created_at=NOW, ttl=NOW)
        with pytest.raises(Gone) as expired:
            store.consume_download("h-download", now=NOW)
        assert expired.value.code == "TOKEN_EXPIRED"
        for token_hash in ("h-upload", "missing"):
            with pytest.raises(NotFound):
                store.consume_download(token_hash, now=NOW)
        assert store.get_token("h-download").uses == 0

    def test_transition_only_from_the_expected_state(self, store: Any) -> None:
        store.put_token(_token(), created_at=NOW, ttl=NOW)
        store.start_upload("h-upload", _artifact("a1"), now=NOW)
        assert store.transition_artifact("a1", expected=ArtifactStatus.PENDING, new=ArtifactStatus.ACTIVE, now=NOW + 1)
        assert not store.transition_artifact(
            "a1", expected=ArtifactStatus.PENDING, new=ArtifactStatus.FAILED, now=NOW + 2
        )
        assert not store.transition_artifact(
            "nope", expected=ArtifactStatus.PENDING, new=ArtifactStatus.ACTIVE, now=NOW
        )
        artifact = store.get_artifact("a1")
        assert (artifact.status, artifact.updated_at) == (ArtifactStatus.ACTIVE, NOW + 1)
        assert store.get_artifact("nope") is None
