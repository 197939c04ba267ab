"""The local stack's back end: emulators, resources, environment, event delivery.

`LocalStack.start()` brings up moto (and rclone in strict S3 mode), points this process's
environment at them the way CDK configures each function, provisions the resources from the same
definitions CDK uses, seeds starting data and starts delivering upload events to the hook.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from satchel import aws, settings
from satchel.observability import logger
from satchel.transfers.service import ARTIFACT_PREFIX

from infra.functions import SPECS, settings_loaders
from infra.local import aws_emulators
from infra.local.aws_emulators import Emulator
from infra.local.lambdas import FunctionPool
from infra.local.notifications import BucketWatcher, QueuePoller
from infra.local.resources import LOCAL_REGION, LocalNames, provision
from infra.local.seed import SeedContext, seed
from infra.local.state import STATE_FILE_NAME, StackState

log = logging.getLogger("satchel.local")

# Fake credentials: moto accepts anything; rclone is started with exactly these, so the
# functions' SigV4 presigned URLs verify against it as they would against S3.
ACCESS_KEY_ID = "satchel-local"
# Credentials the developer's shell may hold; never let them reach the functions.
FOREIGN_CREDENTIAL_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
SERVICES = ("dynamodb", "sqs", "secretsmanager", "s3")
# The service name on log lines the stack itself causes (seeding), outside any function.
LOCAL_SERVICE_NAME = "satchel-local"


@dataclass
class LocalStack:
    work_dir: Path
    strict_s3: bool = False
    names: LocalNames = field(default_factory=LocalNames)
    functions: FunctionPool = field(default_factory=FunctionPool)
    secret_access_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    _emulators: list[Emulator] = field(default_factory=list)
    _workers: list[QueuePoller | BucketWatcher] = field(default_factory=list)
    _s3_dir: Path | None = None
    _state_file: Path | None = None
    state: StackState | None = None

    def settings_problems(self) -> list[str]:
        """What would fail the functions' cold starts with this environment: each bad variable
        once, with the functions that read it. Empty when every settings class loads."""
        env = {**os.environ, **self.names.environment()}
        loaders = settings_loaders()
        problems: dict[str, list[str]] = {}
        for spec in SPECS:
            for group in sorted(spec.settings):
                try:
                    loaders[group](env)
                except settings.ConfigurationError as exc:
                    readers = problems.setdefault(str(exc), [])
                    if spec.name not in readers:
                        readers.append(spec.name)
        return [f"{problem} (read by {', '.join(readers)})" for problem, readers in problems.items()]

    def start(self, api_url: str) -> StackState:
        moto = self._keep(aws_emulators.start_moto(self.work_dir / "moto.log"))
        s3_endpoint = moto.endpoint
        if self.strict_s3:
            self._s3_dir = Path(tempfile.mkdtemp(prefix="s3-", dir=self.work_dir))
            rclone = aws_emulators.start_rclone_s3(
                self._s3_dir,
                access_key=ACCESS_KEY_ID,
                secret_key=self.secret_access_key,
                log_path=self.work_dir / "rclone.log",
            )
            s3_endpoint = self._keep(rclone).endpoint
        state = StackState(
            api_url=api_url,
            aws_endpoint=moto.endpoint,
            s3_endpoint=s3_endpoint,
            region=LOCAL_REGION,
            access_key_id=ACCESS_KEY_ID,
            secret_access_key=self.secret_access_key,
            strict_s3=self.strict_s3,
            pid=os.getpid(),
            names=self.names,
        )
        configure_environment(state)
        clients = {service: state.client(service) for service in SERVICES}
        # rclone has no event notifications: the watcher below stands in for them.
        provisioned = provision(clients, self.names, s3_notifications=not self.strict_s3)
        logger.thread_safe_append_keys(service=LOCAL_SERVICE_NAME)
        try:
            seed(SeedContext(names=self.names, clients=clients, keys=provisioned.keys))
        finally:
            logger.thread_safe_clear_keys()
        self._start_event_delivery(clients, provisioned.queue_url)
        self._state_file = self.work_dir / STATE_FILE_NAME
        state.write(self._state_file)
        self.state = state
        return state

    def _start_event_delivery(self, clients: dict[str, Any], queue_url: str) -> None:
        queue_arn = clients["sqs"].get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self._workers.append(QueuePoller(clients["sqs"], queue_url, queue_arn, self.functions, region=LOCAL_REGION))
        if self.strict_s3:
            self._workers.append(
                BucketWatcher(
                    clients["s3"],
                    clients["sqs"],
                    bucket=self.names.bucket,
                    prefix=ARTIFACT_PREFIX,
                    queue_url=queue_url,
                    region=LOCAL_REGION,
                )
            )
        for worker in self._workers:
            worker.start()

    def _keep(self, emulator: Emulator) -> Emulator:
        self._emulators.append(emulator)
        return emulator

    def stop(self) -> None:
        """Stop everything this stack started; safe to call at any point of start()."""
        for worker in self._workers:
            worker.stop()
        for emulator in reversed(self._emulators):
            emulator.stop()
        if self._state_file is not None:
            self._state_file.unlink(missing_ok=True)
        if self._s3_dir is not None:
            shutil.rmtree(self._s3_dir, ignore_errors=True)


def configure_environment(state: StackState) -> None:
    """What every function's environment holds once CDK has deployed it, pointed at the emulators."""
    for name in FOREIGN_CREDENTIAL_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(state.names.environment())
    os.environ.update(
        AWS_ENDPOINT_URL=state.aws_endpoint,
        AWS_ENDPOINT_URL_S3=state.s3_endpoint,
        AWS_ACCESS_KEY_ID=state.access_key_id,
        AWS_SECRET_ACCESS_KEY=state.secret_access_key,
        POWERTOOLS_TRACE_DISABLED="true",
    )
    # Developers may override these from their shell. (The service name each log line carries is
    # set per invocation by FunctionPool: the Logger was built before this runs.)
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Satchel")
    # EMF metric lines would drown the request log in a terminal.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    settings.reset_cache()
    aws.reset_clients()
