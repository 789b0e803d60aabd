"""The providers, one registration line each: what they contribute comes from their declarations.

Each adapter module declares a `ProviderSpec` (its sections of the merged document, whether it
keeps remote copies and how they are deleted, its input limits) and a way to build it from the
settings. The merge, the JSON Schema, the runner, erasure and the metrics read these
declarations; nothing else names a provider.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from analysis import evaluation
from analysis.canonical import AnalysisDocument, document_json_schema
from analysis.providers import interhuman, local, twelvelabs
from analysis.providers.base import AnalysisProvider, ProviderSpec
from analysis.transcription import provider as transcription
from shared.settings import Settings


@dataclass(frozen=True)
class Registration:
    spec: ProviderSpec
    build: Callable[[Settings], AnalysisProvider]


# The order is the order in which they appear in documents and run (those with `runs_first`
# first); a provider without its key configured is built anyway and reports itself `skipped`.
REGISTRATIONS: tuple[Registration, ...] = (
    Registration(local.SPEC, local.LocalMediaProvider.from_settings),
    Registration(twelvelabs.SPEC, twelvelabs.TwelveLabsProvider.from_settings),
    Registration(interhuman.SPEC, interhuman.InterhumanProvider.from_settings),
    Registration(transcription.SPEC, transcription.from_settings),
    Registration(evaluation.SPEC, evaluation.from_settings),
)

SPECS: Mapping[str, ProviderSpec] = {r.spec.name: r.spec for r in REGISTRATIONS}


def build_providers(settings: Settings) -> list[AnalysisProvider]:
    return [registration.build(settings) for registration in REGISTRATIONS]


def provider_names() -> list[str]:
    return list(SPECS)


def spec_of(name: str) -> ProviderSpec | None:
    return SPECS.get(name)


def keeps_copies(name: str) -> bool:
    """Whether erasure has to reach `name`'s side (a provider no longer registered: no)."""
    spec = SPECS.get(name)
    return spec is not None and spec.remote_copies.kept


def remote_ids_of(name: str, state: Mapping[str, Any]) -> dict[str, str]:
    """What a stored step's state says the provider holds (see `ProviderSpec.remote_ids`)."""
    spec = SPECS.get(name)
    if spec is None:
        return {key: str(value) for key, value in state.items() if key.endswith("_id")}
    return spec.remote_ids(state)


def section_owners() -> dict[str, ProviderSpec]:
    """Each section of the merged document and the provider that fills it."""
    owners: dict[str, ProviderSpec] = {}
    for spec in SPECS.values():
        for section in spec.sections:
            if section in owners:
                raise RuntimeError(
                    f"section {section!r} is declared by both {owners[section].name} and "
                    f"{spec.name}"
                )
            owners[section] = spec
    return owners


def analysis_json_schema() -> dict[str, Any]:
    """The JSON Schema of the merged document, published for the database team."""
    sources = {section: spec.title for section, spec in section_owners().items()}
    return document_json_schema(sources, provider_names())


def _check_document() -> None:
    """Every declared section is a field of the document, of the declared model, and every
    section field has a provider: a mismatch stops the import, never a silent null."""
    fields = AnalysisDocument.model_fields
    owners = section_owners()
    for section, spec in owners.items():
        field = fields.get(section)
        if field is None or spec.sections[section] not in _models_in(field.annotation):
            raise RuntimeError(
                f"{spec.name} declares section {section!r}, which the analysis document "
                f"(analysis.canonical.AnalysisDocument) does not have as {spec.sections[section]}"
            )
    unowned = set(AnalysisDocument.section_names()) - set(owners)
    if unowned:
        raise RuntimeError(f"document sections without a provider: {sorted(unowned)}")


def _models_in(annotation: object) -> tuple[object, ...]:
    return getattr(annotation, "__args__", (annotation,))


_check_document()
