"""An in-memory TransferStore with the same contract as the DynamoDB one.

tests/integration/test_transfer_store_contract.py runs one test class against both, so this fake
cannot drift from the real store; unit tests use it to drive TransferService without AWS.
"""

from __future__ import annotations

import dataclasses
import threading

from satchel.transfers.domain import Artifact, ArtifactStatus, Token, TokenKind, token_refusal


class InMemoryTransferStore:
    def __init__(self) -> None:
        self.tokens: dict[str, Token] = {}
        self.token_ttls: dict[str, int] = {}
        self.artifacts: dict[str, Artifact] = {}
        self._lock = threading.Lock()

    def put_token(self, token: Token, *, created_at: int, ttl: int) -> None:
        with self._lock:
            self.tokens[token.token_hash] = token
            self.token_ttls[token.token_hash] = ttl

    def get_token(self, token_hash: str) -> Token | None:
        return self.tokens.get(token_hash)

    def start_upload(self, token_hash: str, artifact: Artifact, *, now: int) -> None:
        with self._lock:
            token = self.tokens.get(token_hash)
            refusal = token_refusal(token, TokenKind.UPLOAD, now)
            if refusal is not None:
                raise refusal
            assert token is not None
            self.tokens[token_hash] = dataclasses.replace(token, uses=token.uses + 1)
            self.artifacts[artifact.uuid] = artifact

    def consume_download(self, token_hash: str, *, now: int) -> Token:
        with self._lock:
            token = self.tokens.get(token_hash)
            refusal = token_refusal(token, TokenKind.DOWNLOAD, now)
            if refusal is not None:
                raise refusal
            assert token is not None
            spent = dataclasses.replace(token, uses=token.uses + 1)
            self.tokens[token_hash] = spent
            return spent

    def get_artifact(self, uuid: str) -> Artifact | None:
        return self.artifacts.get(uuid)

    def transition_artifact(self, uuid: str, *, expected: ArtifactStatus, new: ArtifactStatus, now: int) -> bool:
        with self._lock:
            artifact = self.artifacts.get(uuid)
            if artifact is None or artifact.status is not expected:
                return False
            self.artifacts[uuid] = dataclasses.replace(artifact, status=new, updated_at=now)
            return True
