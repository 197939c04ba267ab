"""cdk-nag AwsSolutions: no unsuppressed finding; every suppression is reasoned and scoped."""

from __future__ import annotations

from aws_cdk.assertions import Annotations, Match


def test_no_unsuppressed_errors(synth):
    errors = Annotations.from_stack(synth.stack).find_error("*", Match.string_like_regexp("AwsSolutions-.*"))
    assert [(e.id, e.entry.data) for e in errors] == []


def test_no_unsuppressed_warnings(synth):
    warnings = Annotations.from_stack(synth.stack).find_warning("*", Match.string_like_regexp("AwsSolutions-.*"))
    assert [(w.id, w.entry.data) for w in warnings] == []


def _suppressions(synth):
    for logical, resource in synth.resources.items():
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            yield logical, rule


def test_nag_ran_and_suppressions_exist(synth):
    # Without the aspect nothing would be flagged or suppressed; guard the two tests above.
    assert list(_suppressions(synth))
    assert any(path.name.startswith("AwsSolutions-") for path in synth.outdir.iterdir())


def test_every_suppression_has_a_reason_and_iam_findings_are_scoped(synth):
    for logical, rule in _suppressions(synth):
        assert len(rule["reason"]) >= 40, (logical, rule)
        if rule["id"] in {"AwsSolutions-IAM4", "AwsSolutions-IAM5"}:
            assert rule.get("applies_to"), (logical, rule)


def test_public_routes_are_the_only_apig4_suppressions(synth):
    # A suppression on an authenticated method would hide a route that lost its authorizer.
    for logical, rule in _suppressions(synth):
        if rule["id"] == "AwsSolutions-APIG4":
            assert synth.resources[logical]["Properties"]["AuthorizationType"] == "NONE"
