"""The published JSON Schema tells the database team what every field means and, for every
number, its unit or scale; and the times of Interhuman's spans, named `start`/`end` in schema
1.0 and `start_seconds`/`end_seconds` in 1.1, read and validate in both spellings."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, Field

from analysis.canonical import (
    STORED,
    AnalysisDocument,
    Behavior,
    EngagementWindow,
    ProviderStatus,
    Signal,
)
from analysis.merge import StoredAnalysis, StoredStep, merge
from analysis.registry import analysis_json_schema
from shared.db import utcnow

STORED_1_0 = Path(__file__).parent / "stored" / "analysis-1.0-interhuman.json"

# What names a unit or a scale in a description: a count says "how many".
UNIT_OR_SCALE = re.compile(
    r"seconds|pixels|bytes|per second|per minute|dBFS|\b0-1\b|1-10|0-100|how many", re.IGNORECASE
)


def _is_number(spec: dict[str, Any]) -> bool:
    kinds = [spec.get("type"), *(alt.get("type") for alt in spec.get("anyOf", []))]
    nested = [spec.get("items"), spec.get("additionalProperties")]
    return bool({"number", "integer"} & set(kinds)) or any(
        isinstance(inner, dict) and _is_number(inner) for inner in nested
    )


def fields(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of the document and of each of its definitions, with its path."""
    for name, definition in [("document", schema), *schema.get("$defs", {}).items()]:
        for field, spec in definition.get("properties", {}).items():
            yield f"{name}.{field}", spec


def undescribed(schema: dict[str, Any]) -> list[str]:
    """Fields without a description, and numbers whose description names no unit or scale."""
    problems = []
    for path, spec in fields(schema):
        description = spec.get("description") or ""
        if not description:
            problems.append(f"{path}: no description")
        elif _is_number(spec) and not UNIT_OR_SCALE.search(description):
            problems.append(f"{path}: a number whose description names no unit or scale")
    return problems


def test_every_field_is_described_and_every_number_names_its_unit_or_scale() -> None:
    assert undescribed(analysis_json_schema()) == []


def test_the_check_catches_a_number_without_a_unit() -> None:
    class Careless(BaseModel):
        length: float = Field(description="How long it is.")
        size_bytes: int = Field(description="Size, in bytes.")
        label: str

    assert undescribed(Careless.model_json_schema(mode="serialization")) == [
        "document.length: a number whose description names no unit or scale",
        "document.label: no description",
    ]


def test_scores_name_their_scale_and_the_document_its_version_and_models() -> None:
    schema = analysis_json_schema()
    definitions = schema["$defs"]
    assert "schema_version" in schema["required"]
    assert "1-10" in definitions["Assessment"]["properties"]["clarity"]["description"]
    assert "0-100" in definitions["QualityValues"]["properties"]["clarity"]["description"]
    assert "1-10" in schema["properties"]["assessment"]["description"]
    assert "0-100" in schema["properties"]["behavior"]["description"]
    assert {"model"} <= set(definitions["Assessment"]["properties"])
    assert {"model"} <= set(definitions["Behavior"]["properties"])
    for span in ("Signal", "EngagementWindow", "QualityWindow"):
        times = definitions[span]["properties"]
        assert "seconds" in times["start_seconds"]["description"]
        assert times["start"]["deprecated"] is True
        assert "start_seconds" in times["start"]["description"]


def test_a_span_is_written_with_both_spellings_and_read_back() -> None:
    signal = Signal(type="confidence", start_seconds=5.0, end_seconds=15.0, probability="medium")

    written = signal.model_dump(mode="json")

    assert written["start_seconds"] == written["start"] == 5.0
    assert written["end_seconds"] == written["end"] == 15.0
    assert Signal.model_validate(written) == signal


def test_a_stored_1_0_behavior_reads_into_the_new_fields_and_both_validate() -> None:
    stored = json.loads(STORED_1_0.read_text())
    schema = analysis_json_schema()
    jsonschema.validate(stored, schema)  # as the database team keeps it

    document = AnalysisDocument.model_validate(stored, context=STORED)

    assert document.schema_version == "1.0"
    assert document.behavior is not None
    signal = document.behavior.signals[0]
    assert (signal.start_seconds, signal.end_seconds) == (5.0, 15.0)
    assert [(e.start_seconds, e.end_seconds) for e in document.behavior.engagement] == [(0, 10)]
    quality = document.behavior.conversation_quality
    assert quality is not None and quality.timeline[1].start_seconds == 10
    served = document.model_dump(mode="json")
    jsonschema.validate(served, schema)
    assert served["behavior"]["signals"][0]["start"] == 5.0  # a 1.0 reader still finds it


def test_a_behavior_step_stored_by_1_0_code_merges_into_a_1_1_document() -> None:
    stored = json.loads(STORED_1_0.read_text())
    analysis = StoredAnalysis(
        analysis_id=stored["analysis_id"],
        interview_id=stored["interview_id"],
        recording_id=stored["recording_id"],
        question_id="q1",
        question_text=stored["question"]["text"],
        created_at=utcnow(),
        completed_at=utcnow(),
        started=True,
    )

    step = StoredStep("interhuman", ProviderStatus.SUCCEEDED, section=stored["behavior"])

    document = merge(analysis, [step])

    assert document.schema_version == "1.1" and document.behavior is not None
    engagement = document.behavior.engagement
    assert engagement == [EngagementWindow(start_seconds=0, end_seconds=10, state="engaged")]
    jsonschema.validate(document.model_dump(mode="json"), analysis_json_schema())


def test_a_span_without_its_times_in_either_spelling_does_not_validate() -> None:
    behavior = Behavior(signals=[Signal(type="stress", start_seconds=1, end_seconds=2)])
    document = json.loads(STORED_1_0.read_text())
    document["behavior"] = behavior.model_dump(mode="json")
    del document["behavior"]["signals"][0]["start"], document["behavior"]["signals"][0]["end"]
    jsonschema.validate(document, analysis_json_schema())  # the 1.1 names alone are enough
    del document["behavior"]["signals"][0]["start_seconds"]

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, analysis_json_schema())
