"""The provider declarations: what the registry, the merge and the JSON Schema read from them."""

from datetime import UTC, datetime
from typing import Any

from analysis.canonical import AnalysisDocument, ProviderStatus
from analysis.merge import StoredAnalysis, StoredStep, merge
from analysis.registry import (
    REGISTRATIONS,
    SPECS,
    analysis_json_schema,
    build_providers,
    keeps_copies,
    section_owners,
)
from shared.settings import Settings

ANALYSIS = StoredAnalysis(
    analysis_id="a",
    interview_id="i",
    recording_id="r",
    question_id=None,
    question_text=None,
    created_at=datetime(2026, 1, 1, tzinfo=UTC),
    completed_at=datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
    started=True,
)


def test_every_document_section_has_exactly_one_declared_provider() -> None:
    owners = section_owners()
    assert sorted(owners) == sorted(AnalysisDocument.section_names())
    assert {section: spec.name for section, spec in owners.items()} == {
        "media": "local",
        "speech": "local",
        "assessment": "twelvelabs",
        "behavior": "interhuman",
        "transcript": "transcription",
        "evaluation": "evaluation",
    }


def test_the_settings_build_one_adapter_per_registration_each_with_its_declaration() -> None:
    providers = build_providers(Settings(_env_file=None))
    assert [p.spec for p in providers] == [r.spec for r in REGISTRATIONS]
    assert [p.spec.name for p in providers if p.spec.runs_first] == ["local"]


def test_erasure_reaches_only_the_providers_that_declare_remote_copies() -> None:
    assert [name for name in SPECS if keeps_copies(name)] == ["twelvelabs"]
    assert SPECS["twelvelabs"].remote_copies.id_keys == ("asset_id",)
    assert not keeps_copies("a-provider-no-longer-registered")


def test_declared_limits_say_when_a_proxy_is_sent() -> None:
    limits = {name: spec.limits for name, spec in SPECS.items()}
    assert limits["interhuman"] is not None and limits["interhuman"].max_bytes == 32_000_000
    assert limits["twelvelabs"] is not None and limits["twelvelabs"].max_bytes == 200_000_000
    assert limits["local"] is None


def test_the_json_schema_names_each_sections_provider_and_every_provider_key() -> None:
    schema = analysis_json_schema()
    properties = schema["properties"]
    assert "Twelve Labs" in properties["assessment"]["description"]
    assert "Interhuman" in properties["behavior"]["description"]
    assert properties["providers"]["propertyNames"] == {"enum": list(SPECS)}


def test_the_merge_fills_each_section_from_its_declared_provider_only_on_success() -> None:
    behavior: dict[str, Any] = {
        "signals": [],
        "engagement": [],
        "conversation_quality": None,
        "input": "original",
    }
    steps = [
        StoredStep("interhuman", ProviderStatus.SUCCEEDED, section=behavior),
        StoredStep("twelvelabs", ProviderStatus.FAILED, section={"confidence": 3}),
        StoredStep("local", ProviderStatus.SKIPPED),
    ]
    document = merge(ANALYSIS, steps)
    assert document.behavior is not None and document.behavior.signals == []
    assert document.assessment is None  # a failed step's leftovers never reach the document
    assert document.media is None and document.speech is None
    assert sorted(document.providers) == sorted(SPECS)
