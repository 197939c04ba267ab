"""The per-function specs must cover the route table, exist on disk and name real tables."""

from __future__ import annotations

import pytest
from satchel.routes import ROUTES, Route
from satchel.tables import TABLES

from infra.functions import SPECS, FunctionSpec, SettingsGroup, SpecError, specs_by_name


def test_every_routed_function_has_a_spec():
    assert set(specs_by_name(SPECS, tables=TABLES)) >= {route.function for route in ROUTES}


def test_a_route_to_a_function_without_spec_fails_the_synth():
    routes = (*ROUTES, Route("GET", "/reports", "reports", ROUTES[0].contract, auth=True))
    with pytest.raises(SpecError, match="reports"):
        specs_by_name(SPECS, routes=routes, tables=TABLES)


def test_a_spec_naming_an_unknown_table_fails_the_synth():
    broken = FunctionSpec(
        "authorizer", "x", frozenset({SettingsGroup.AUTH}), table_actions={"no_such_table": ("dynamodb:GetItem",)}
    )
    specs = (*(spec for spec in SPECS if spec.name != "authorizer"), broken)
    with pytest.raises(SpecError, match="no_such_table"):
        specs_by_name(specs, tables=TABLES)


def test_a_function_serving_an_idempotent_route_needs_the_idempotency_table():
    upload = next(spec for spec in SPECS if spec.name == "upload_token")
    without_settings = FunctionSpec(
        upload.name, upload.description, upload.settings - {SettingsGroup.IDEMPOTENCY}, upload.table_actions
    )
    without_grants = FunctionSpec(
        upload.name,
        upload.description,
        upload.settings,
        {name: actions for name, actions in upload.table_actions.items() if name != "idempotency"},
    )
    for broken in (without_settings, without_grants):
        specs = (*(spec for spec in SPECS if spec.name != "upload_token"), broken)
        with pytest.raises(SpecError, match="idempotent"):
            specs_by_name(specs, tables=TABLES)
