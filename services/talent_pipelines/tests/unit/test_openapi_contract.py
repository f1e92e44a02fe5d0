"""The committed ``services/talent_pipelines/openapi.json`` is the HTTP contract: it must match what the app serves."""

from dovetail_shared.testing.contracts import (
    assert_inputs_are_storable_and_bounded,
    assert_openapi_committed,
    assert_operations_document_problems,
)


def test_committed_openapi_matches_the_app() -> None:
    assert_openapi_committed("talent_pipelines")


def test_every_operation_documents_problem_responses() -> None:
    assert_operations_document_problems("talent_pipelines")


def test_every_input_is_storable_text_and_bounded() -> None:
    assert_inputs_are_storable_and_bounded("talent_pipelines")
