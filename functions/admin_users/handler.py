"""POST /admin/users and PATCH /admin/users/{id}: account administration (admin role)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from satchel.http import JSON, Response, SatchelResolver
from satchel.identity.admin import Actor, default_user_administration
from satchel.identity.domain import UserView
from satchel.observability import logger, metrics, tracer

app = SatchelResolver()


def _admin() -> Actor:
    # The route table requires the admin role; the resolver checked it before the body was read.
    caller = app.principal()
    return Actor(user_id=caller.user_id, roles=caller.roles)


def _view(user: UserView) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "roles": list(user.roles), "disabled": user.disabled}


@app.post("/admin/users")
def create_user() -> Response:
    user = default_user_administration().create_user(_admin(), app.body)
    return Response(201, JSON, _view(user), headers={"Cache-Control": "no-store"})


@app.patch("/admin/users/<id>")
def update_user(id: str) -> dict[str, Any]:
    return _view(default_user_administration().update_user(_admin(), id, app.body))


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
