"""The offline generator: five questions from the job description alone, with no network.

It reads the description's skills, domain and level (`skills.py`) and fills varied templates
(`templates.py`), chosen by a random generator seeded from the request, so the same description
always gives the same questions and different descriptions give different ones.
"""

import hashlib
import json
import logging
import random
from collections.abc import Sequence

import anyio.to_thread

from question_api.generation import templates as t
from question_api.generation.base import (
    GeneratedQuestion,
    GenerationRequest,
    GenerationResult,
    QuestionSubtype,
    QuestionType,
    Replacement,
    Slot,
)
from question_api.generation.lexicon import Skill
from question_api.generation.rules import check_questions, check_replacement
from question_api.generation.skills import JobProfile, read_profile

logger = logging.getLogger(__name__)

OFFLINE_PROVIDER = "offline"
OFFLINE_MODEL = "offline-v1"
NO_KEY_NOTICE = (
    "No OpenAI key is configured (OPENAI_API_KEY), so the offline generator wrote these "
    "questions from the skills in the job description. Review them before approving."
)

# The kinds of skill each question prefers, best first (see the groups in `lexicon.py`).
_TECH_STACK_GROUPS = (
    "backend",
    "frontend",
    "mobile",
    "data",
    "ml",
    "database",
    "messaging",
    "cloud",
)
_PAIR_GROUPS = ("database", "messaging", "cloud", "data", "frontend", "backend", "testing")
_SCENARIO_GROUPS = (
    "database", "messaging", "data", "data_practice", "cloud", "monitoring", "ci", "testing",
    "security", "architecture", "frontend", "backend", "ml", "mobile",
)  # fmt: skip
_DEPTH_GROUPS = (
    "backend", "frontend", "data", "database", "cloud", "messaging", "architecture",
    "data_practice", "monitoring", "testing", "ci", "security", "ml", "mobile",
)  # fmt: skip
_HR_GROUPS = ("practice", "testing", "ci", "architecture", "security")
_PRO_KNOWLEDGE_GROUPS = ("knowledge", "tool")
_PRO_PAIR_GROUPS = ("tool", "practice", "knowledge")
_PRO_SCENARIO_GROUPS = ("practice", "procedure", "knowledge", "tool")
_PRO_HR_GROUPS = ("practice", "knowledge", "procedure", "tool")
_JS_FAMILY = frozenset({"JavaScript", "TypeScript"})
_TRIES = 4
HANDS_ON = "Hands-on task:"


def _is_known(skill: Skill) -> bool:
    """A lexicon skill, with templates of its own; not a phrase read from the description."""
    return skill.domain != "general" or skill.group not in ("practice", "tool")


class SkillPicker:
    """Hands out the description's skills, unused ones first, so the five cover many of them."""

    def __init__(self, skills: Sequence[Skill]) -> None:
        self.skills = list(skills)
        self.used: set[str] = set()

    def peek_phrase(self) -> Skill | None:
        """The next unused phrase from the description that the lexicon does not know."""
        return next((s for s in self.skills if not _is_known(s) and s.name not in self.used), None)

    def peek(self, groups: Sequence[str] = ()) -> Skill | None:
        """The next unused skill, preferring `groups` in their order; None when all are used."""
        unused = [s for s in self.skills if s.name not in self.used]
        for group in groups:
            for skill in unused:
                if skill.group == group:
                    return skill
        return unused[0] if unused else None

    def take(self, groups: Sequence[str] = ()) -> Skill:
        skill = self.peek(groups) or self._reuse(groups)
        self.used.add(skill.name)
        return skill

    def _reuse(self, groups: Sequence[str]) -> Skill:
        for group in groups:
            for skill in self.skills:
                if skill.group == group:
                    return skill
        return self.skills[0]


def _seed(request: GenerationRequest) -> int:
    canonical = json.dumps(
        [
            " ".join(request.job_description.lower().split()),
            request.language,
            request.role_title,
            request.seniority,
        ]
    )
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big")


def _fill(
    template: t.Template,
    kind: QuestionType,
    subtype: QuestionSubtype,
    values: dict[str, str],
) -> GeneratedQuestion:
    return GeneratedQuestion(
        text=template.text.format(**values),
        type=kind,
        subtype=subtype,
        competency=template.competency.format(**values),
        expected_points=[point.format(**values) for point in template.points],
    )


class _Writer:
    """Writes one set of five for one profile."""

    def __init__(self, profile: JobProfile, rng: random.Random, request: GenerationRequest) -> None:
        self.profile = profile
        self.request = request
        self.rng = rng
        self.picker = SkillPicker(profile.skills)
        role = profile.role
        self.base = {"role": "this role" if role == "this role" else f"the {role} role"}

    def values(self, a: Skill, b: Skill | None = None, lang: str = "") -> dict[str, str]:
        return {**self.base, "a": a.label, "b": b.label if b else a.label, "lang": lang}

    def write(self) -> list[GeneratedQuestion]:
        """The five, each on another competency than the ones before it."""
        questions: list[GeneratedQuestion] = []
        for slot in self.slots():
            questions.append(self.distinct(slot, questions))
        return questions

    def slots(self) -> list[Slot]:
        lead = self.profile.seniority in ("lead", "principal")
        extra = Slot("hr", "scenario") if lead else Slot("technical", "general")
        return [
            Slot("technical", "tech_stack"),
            Slot("technical", "coding"),
            Slot("technical", "scenario"),
            extra,
            Slot("hr", "general"),
        ]

    def avoid(self, questions: Sequence[GeneratedQuestion]) -> None:
        """Count the skills `questions` are about as used, so others come first."""
        covered = " ".join(f"{q.text} {q.competency}" for q in questions).lower()
        self.picker.used |= {s.name for s in self.profile.skills if s.label.lower() in covered}

    def distinct(self, slot: Slot, others: Sequence[GeneratedQuestion]) -> GeneratedQuestion:
        """A question for `slot` that repeats none of `others`, trying the next skills."""
        question = self.for_slot(slot)
        for _ in range(_TRIES):
            if not check_replacement(question, others, self.request, duplicates_only=True):
                break
            question = self.for_slot(slot)
        return question

    def for_slot(self, slot: Slot) -> GeneratedQuestion:
        software = self.profile.is_software
        match (slot.type, slot.subtype):
            case ("technical", "tech_stack"):
                return self.software_tech_stack() if software else self.professional_knowledge()
            case ("technical", "coding"):
                return self.software_coding() if software else self.professional_procedure()
            case ("technical", "scenario"):
                return self.software_scenario() if software else self.professional_scenario()
            case ("hr", "general"):
                return self.software_hr() if software else self.professional_hr()
            case ("hr", "scenario"):
                return self.leadership()
            case _:
                return self.depth()

    # --- software -----------------------------------------------------------------------

    def software_tech_stack(self) -> GeneratedQuestion:
        a = self.picker.take(_TECH_STACK_GROUPS)
        options = list(t.TECH_STACK_ONE)
        if a.group in t.TECH_STACK_BY_GROUP:
            options.append(t.TECH_STACK_BY_GROUP[a.group])
        partner = self.picker.peek(_PAIR_GROUPS)
        if partner is not None:
            options += t.TECH_STACK_TWO
        template = self.rng.choice(options)
        b = self.picker.take(_PAIR_GROUPS) if "{b}" in template.text else None
        return _fill(template, "technical", "tech_stack", self.values(a, b))

    def software_coding(self) -> GeneratedQuestion:
        languages = self.profile.languages
        lang = languages[0].name if languages else None
        task_skill = self._coding_skill(lang)
        concept = self.picker.peek_phrase()
        if task_skill is not None and (task_skill.name not in self.picker.used or not concept):
            lang = lang or t.DEFAULT_LANGUAGE.get(task_skill.name)
            template, subject = t.CODING_BY_SKILL[task_skill.name], task_skill
        elif concept is not None:  # a method the description names, such as causal inference
            template, subject = t.CODING_CONCEPT, concept
        elif languages:
            template, subject = self.rng.choice(t.CODING_GENERIC), languages[0]
        else:  # neither a language nor a known task: automate something the job involves
            template, subject = t.CODING_AUTOMATION, self.picker.take()
        self.picker.used.add(subject.name)
        if languages and "{lang}" in template.text:
            self.picker.used.add(languages[0].name)
        values = self.values(subject, lang=lang or "the language you know best")
        question = _fill(template, "technical", "coding", values)
        question.expected_points = [*question.expected_points[:4], t.CODING_POINT][:5]
        return question

    def _coding_skill(self, lang: str | None) -> Skill | None:
        """The first skill with its own coding task that fits the language, unused first."""
        fitting = [
            s
            for s in self.profile.skills
            if s.name in t.CODING_BY_SKILL and _fits_language(s, lang)
        ]

        def preference(skill: Skill) -> tuple[bool, bool]:
            # A task that names the language shows it in the set; then unused skills first.
            names_language = lang is not None and "{lang}" in t.CODING_BY_SKILL[skill.name].text
            return (not names_language, skill.name in self.picker.used)

        return min(fitting, key=preference, default=None)

    def software_scenario(self) -> GeneratedQuestion:
        a = self.picker.take(_SCENARIO_GROUPS)
        options = list(t.SCENARIO_GENERIC if _is_known(a) else t.PRO_SCENARIOS["general"])
        if a.group in t.SCENARIO_BY_GROUP:
            options = [t.SCENARIO_BY_GROUP[a.group]]
        return _fill(self.rng.choice(options), "technical", "scenario", self.values(a))

    def software_hr(self) -> GeneratedQuestion:
        a = self.picker.take(_HR_GROUPS)
        level = "lead" if self.profile.seniority == "principal" else self.profile.seniority
        options = [*t.HR_BY_LEVEL[level], *t.HR_ANY_LEVEL]
        return _fill(self.rng.choice(options), "hr", "general", self.values(a))

    # --- other professions --------------------------------------------------------------

    def professional_knowledge(self) -> GeneratedQuestion:
        a = self.picker.take(_PRO_KNOWLEDGE_GROUPS)
        options = list(t.PRO_KNOWLEDGE)
        if a.group in t.PRO_BY_GROUP:
            options.append(t.PRO_BY_GROUP[a.group])
        if self.picker.peek(_PRO_PAIR_GROUPS) is not None:
            options += t.PRO_KNOWLEDGE_TWO
        template = self.rng.choice(options)
        b = self.picker.take(_PRO_PAIR_GROUPS) if "{b}" in template.text else None
        return _fill(template, "technical", "tech_stack", self.values(a, b))

    def professional_procedure(self) -> GeneratedQuestion:
        a = self.picker.take(("procedure",))
        if a.name in t.PROCEDURE_BY_SKILL:
            template = t.PROCEDURE_BY_SKILL[a.name]
        elif a.group == "tool":
            template = t.PROCEDURE_IN_TOOL
        else:
            template = self.rng.choice(t.PROCEDURE_GENERIC)
        question = _fill(template, "technical", "coding", self.values(a))
        # Outside software the coding slot is a practical task: the question says so.
        question.text = f"{HANDS_ON} {question.text}"
        return question

    def professional_scenario(self) -> GeneratedQuestion:
        a = self.picker.take(_PRO_SCENARIO_GROUPS)
        options = t.PRO_SCENARIOS.get(self.profile.domain, t.PRO_SCENARIOS["general"])
        return _fill(self.rng.choice(options), "technical", "scenario", self.values(a))

    def professional_hr(self) -> GeneratedQuestion:
        a = self.picker.take(_PRO_HR_GROUPS)
        domain_question = t.PRO_HR.get(self.profile.domain, t.PRO_HR["general"])
        template = self.rng.choice([domain_question, *t.PRO_HR_ANY_LEVEL])
        return _fill(template, "hr", "general", self.values(a))

    # --- both ---------------------------------------------------------------------------

    def leadership(self) -> GeneratedQuestion:
        """For leads: leading people through the work the description names."""
        a = self.picker.take(_DEPTH_GROUPS if self.profile.is_software else ())
        if self.profile.is_software:
            template = self.rng.choice(t.LEADERSHIP_SCENARIOS)
        else:
            template = t.PRO_LEADERSHIP
        return _fill(template, "hr", "scenario", self.values(a))

    def depth(self) -> GeneratedQuestion:
        """Depth in one skill, tuned to the level."""
        a = self.picker.take(_DEPTH_GROUPS if self.profile.is_software else ())
        level = "senior" if self.profile.seniority in ("lead", "principal") else None
        level = level or self.profile.seniority
        if self.profile.is_software and _is_known(a):
            template = self.rng.choice(t.DEPTH_BY_LEVEL[level])
        else:
            template = self.rng.choice([t.PRO_DEPTH_BY_LEVEL[level], *t.PRO_DEPTH_ANY_LEVEL])
        return _fill(template, "technical", "general", self.values(a))


def _fits_language(skill: Skill, lang: str | None) -> bool:
    expected = t.DEFAULT_LANGUAGE.get(skill.name)
    if lang is None or expected is None or expected == lang:
        return True
    return expected in _JS_FAMILY and lang in _JS_FAMILY


def write_questions(request: GenerationRequest) -> list[GeneratedQuestion]:
    """Five grounded questions for the request, the same ones every time."""
    profile = read_profile(request)
    questions = _Writer(profile, random.Random(_seed(request)), request).write()
    broken = check_questions(questions, request)
    if broken:  # the templates are built to pass; a miss is a bug worth seeing in the logs
        logger.warning("offline questions break rules: %s", "; ".join(broken))
    return questions


def write_replacement(
    request: GenerationRequest,
    slot: Slot,
    others: Sequence[GeneratedQuestion],
    replaced: GeneratedQuestion,
) -> GeneratedQuestion:
    """A new question for `slot` that repeats neither `replaced` nor any of `others`."""
    profile = read_profile(request)
    avoid = [*others, replaced]
    question = replaced
    seed = _seed(request) ^ int.from_bytes(hashlib.sha256(replaced.text.encode()).digest()[:8])
    for attempt in range(1, _TRIES + 1):  # another seed, other templates
        writer = _Writer(profile, random.Random(seed + attempt), request)
        writer.avoid(avoid)
        question = writer.distinct(slot, avoid)
        if not check_replacement(question, avoid, request, duplicates_only=True):
            break
    return question


class OfflineGenerator:
    """The embedded default: deterministic, no network, no model."""

    async def generate(
        self, request: GenerationRequest, notice: str = NO_KEY_NOTICE
    ) -> GenerationResult:
        """Write the set (CPU work, a fraction of a second: in a thread, off the event loop);
        `notice` tells the caller why the offline generator ran."""
        return await anyio.to_thread.run_sync(self._generate, request, notice)

    def _generate(self, request: GenerationRequest, notice: str) -> GenerationResult:
        return GenerationResult(
            questions=write_questions(request),
            provider=OFFLINE_PROVIDER,
            model=OFFLINE_MODEL,
            notice=_with_language(notice, request),
        )

    async def regenerate(
        self,
        request: GenerationRequest,
        slot: Slot,
        others: Sequence[GeneratedQuestion],
        replaced: GeneratedQuestion,
        notice: str = NO_KEY_NOTICE,
    ) -> Replacement:
        """One new question for `slot`, in a thread like `generate`."""
        question = await anyio.to_thread.run_sync(
            write_replacement, request, slot, others, replaced
        )
        return Replacement(
            question, OFFLINE_PROVIDER, OFFLINE_MODEL, notice=_with_language(notice, request)
        )


def _with_language(notice: str, request: GenerationRequest) -> str:
    if request.output_language.split("-")[0] == "en":
        return notice
    return (
        f"{notice} The offline generator writes in English only, not '{request.output_language}'."
    )
