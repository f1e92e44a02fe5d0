"""Organization registration rules and the verification lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from consortia.domain import EnterpriseSize, Organization, OrganizationKind, VerificationStatus
from dovetail_shared.errors import InvalidTransition, ValidationFailed
from dovetail_shared.events.consortia import (
    OrganizationRegistered,
    OrganizationRejected,
    OrganizationVerified,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at


def register_firm(**overrides: object) -> Organization:
    fields: dict[str, object] = {
        "name": "  Huawei Suzhou  ",
        "kind": OrganizationKind.ENTERPRISE,
        "size": EnterpriseSize.LARGE,
        "region": "CN-JS",
        "registration_number": "91320500MA1234567X",
        "name_zh": "华为苏州",
        "now": NOW,
    }
    fields.update(overrides)
    org, _ = Organization.register(**fields)  # type: ignore[arg-type]
    return org


def test_register_emits_registered_and_starts_pending() -> None:
    org, events = Organization.register(
        name="  Huawei Suzhou ",
        kind=OrganizationKind.ENTERPRISE,
        size=EnterpriseSize.LARGE,
        region="CN-JS",
        registration_number="91320500MA1234567X",
        name_zh="  ",
        now=NOW,
    )

    assert org.verification_status == VerificationStatus.PENDING
    assert org.name == "Huawei Suzhou"
    assert org.name_zh is None
    [event] = events
    assert event.subject == org.id
    assert isinstance(event.payload, OrganizationRegistered)
    assert event.payload.organization_id == org.id
    assert event.payload.kind == "enterprise"
    assert event.payload.size == "large"


def test_enterprise_must_state_size() -> None:
    with pytest.raises(ValidationFailed) as err:
        register_firm(size=None)
    assert [(v.field, v.rule) for v in err.value.violations] == [("size", "size_required_for_enterprise")]


@pytest.mark.parametrize("kind", [k for k in OrganizationKind if k != OrganizationKind.ENTERPRISE])
def test_only_enterprises_have_a_size(kind: OrganizationKind) -> None:
    with pytest.raises(ValidationFailed) as err:
        register_firm(kind=kind, size=EnterpriseSize.SME)
    assert err.value.violations[0].rule == "size_only_for_enterprise"


def test_college_registers_without_size() -> None:
    org = register_firm(kind=OrganizationKind.COLLEGE, size=None)
    assert org.size is None


def test_register_reports_every_missing_field_at_once() -> None:
    with pytest.raises(ValidationFailed) as err:
        register_firm(name=" ", region="", registration_number="\t", size=None)
    assert {(v.field, v.rule) for v in err.value.violations} == {
        ("name", "required"),
        ("region", "required"),
        ("registration_number", "required"),
        ("size", "size_required_for_enterprise"),
    }


def test_verify_records_time_and_emits_verified() -> None:
    org = register_firm()
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

    events = org.verify(now=at)

    assert org.is_verified
    assert org.verified_at == at
    assert org.updated_at == at
    [event] = events
    assert event.time == at
    assert isinstance(event.payload, OrganizationVerified)
    assert event.subject == org.id
    assert event.payload.size == "large"


def test_reverifying_is_an_invalid_transition() -> None:
    org = register_firm()
    org.verify(now=NOW)
    with pytest.raises(InvalidTransition) as err:
        org.verify(now=NOW)
    assert err.value.current == "verified"


def test_reject_needs_a_reason() -> None:
    org = register_firm()
    with pytest.raises(ValidationFailed) as err:
        org.reject("   ", now=NOW)
    assert err.value.violations[0].rule == "reason_required"
    assert org.verification_status == VerificationStatus.PENDING


def test_reject_emits_rejected_with_reason() -> None:
    org = register_firm()
    [event] = org.reject(" registration number does not match the licence ", now=NOW)
    assert org.verification_status == VerificationStatus.REJECTED
    assert org.rejection_reason == "registration number does not match the licence"
    assert isinstance(event.payload, OrganizationRejected)
    assert event.payload.reason == org.rejection_reason


def test_rejected_org_cannot_be_verified_directly() -> None:
    org = register_firm()
    org.reject("fake licence", now=NOW)
    with pytest.raises(InvalidTransition):
        org.verify(now=NOW)


def test_verified_org_cannot_be_rejected() -> None:
    org = register_firm()
    org.verify(now=NOW)
    with pytest.raises(InvalidTransition):
        org.reject("changed my mind", now=NOW)


def test_resubmitted_org_is_reviewed_again() -> None:
    org = register_firm()
    org.reject("fake licence", now=NOW)

    assert org.resubmit(now=NOW) == []
    assert org.verification_status == VerificationStatus.PENDING
    assert org.rejection_reason is None
    org.verify(now=NOW)
    assert org.is_verified


def test_only_rejected_orgs_can_resubmit() -> None:
    org = register_firm()
    with pytest.raises(InvalidTransition):
        org.resubmit(now=NOW)


def test_changes_touch_the_aggregate() -> None:
    org = register_firm()
    org.updated_at = datetime(2000, 1, 1, tzinfo=UTC)
    org.verify(now=NOW)
    assert org.updated_at.year > 2000


@pytest.mark.parametrize(("field", "value"), [("kind", "guild"), ("size", "huge")])
def test_an_unknown_enum_value_is_a_named_violation_not_a_value_error(field: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        register_firm(**{field: value})
    assert [(v.field, v.rule) for v in err.value.violations] == [(field, "one_of")]


def test_registration_stamps_the_given_instant_and_defaults_the_time_zone_to_utc() -> None:
    org, [event] = Organization.register(
        name="Wuxi College", kind=OrganizationKind.COLLEGE, region="CN-JS", registration_number="1", now=NOW
    )
    assert (org.created_at, org.updated_at, event.time) == (NOW, NOW, NOW)
    assert org.time_zone == "UTC"
    assert isinstance(event.payload, OrganizationRegistered) and event.payload.time_zone == "UTC"


def test_the_time_zone_travels_with_registration_and_verification() -> None:
    org = register_firm(time_zone="Asia/Shanghai")
    [verified] = org.verify(now=NOW)
    assert org.time_zone == "Asia/Shanghai"
    assert isinstance(verified.payload, OrganizationVerified) and verified.payload.time_zone == "Asia/Shanghai"


@pytest.mark.parametrize("zone", ["+08:00", "CST", "asia/shanghai", "Asia/Nowhere", "../etc/passwd", "", "localtime"])
def test_a_time_zone_must_be_an_iana_name(zone: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        register_firm(time_zone=zone)
    assert [(v.field, v.rule) for v in err.value.violations] == [("time_zone", "iana_time_zone")]
