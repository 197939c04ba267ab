"""The local stack's moto server applies each DynamoDB request atomically, as DynamoDB does."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from infra.local.moto_server import atomic_dynamodb


def test_dynamodb_requests_never_overlap_and_others_do() -> None:
    inside, overlaps = [0], []
    guard = threading.Lock()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with guard:
            inside[0] += 1
            overlaps.append(inside[0])
        time.sleep(0.02)
        with guard:
            inside[0] -= 1
        return [b"{}"]

    served = atomic_dynamodb(app)

    def call(target: str) -> None:
        list(served({"HTTP_X_AMZ_TARGET": target}, lambda *a: None))

    threads = [threading.Thread(target=call, args=("DynamoDB_20120810.UpdateItem",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(overlaps) == 1

    overlaps.clear()
    threads = [threading.Thread(target=call, args=("",)) for _ in range(8)]  # S3 and others stay concurrent
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(overlaps) > 1
