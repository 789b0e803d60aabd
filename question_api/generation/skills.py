"""Reading a job description: its domain, level, role and the skills it names.

A lexicon per domain recognises the usual skills, in software and outside it (nursing, accounting,
sales, teaching, warehouse work). The key phrases a description lists ("experience with X", "you
will X, Y and Z", "Duties: ...", bullet points) add what the lexicon does not know, such as
"causal inference" or "fault finding"; duties that start with a verb become activities
("manage sedation" -> "managing sedation"). Everything here is pure and deterministic.
"""

import re
from collections import Counter
from dataclasses import dataclass, replace

from question_api.generation.base import GenerationRequest, Seniority
from question_api.generation.lexicon import LEXICON, Domain, Skill, skill_pattern
from question_api.generation.rules import STOPWORDS, content_terms


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(alternatives)})\b", re.IGNORECASE)


# Words that place a description in a domain even when it names few skills.
_DOMAIN_WORDS: dict[Domain, re.Pattern[str]] = {
    "software": _words(
        "software", "developer", "programmer", r"software engineer(?:ing)?", r"back-?end",
        r"front-?end", r"full[- ]stack", "devops", "codebase", "data engineer", "data scientist",
    ),
    "healthcare": _words(
        "nurse", "nursing", r"patients?", "hospital", "ward", "clinical", "clinic", "healthcare",
        "care home", "NHS", "midwife",
    ),
    "finance": _words(
        "accountant", "accounting", r"accounts (?:payable|receivable)", r"bookkeep(?:er|ing)",
        "finance", "financial",
        "ledger", "controller", "CPA", "ACCA", "CIMA",
    ),
    "sales": _words(
        "sales", "salesperson", "account executive", "business development", "SDR", "BDR",
        "revenue", "commission",
    ),
    "education": _words(
        "teacher", "teaching", "school", "classroom", r"pupils?", r"students?", r"lessons?",
        "tutor",
    ),
    "logistics": _words(
        "warehouse", "logistics", "forklift", r"pallets?", r"distribution cent(?:er|re)",
        r"fulfil?ment", "picker", "packer", "operative", r"(?:delivery|hgv|van) driver",
        "tachograph", "route planning", "supply chain", "demand planning", r"suppliers?",
    ),
    "trades": _words(
        "electrician", r"plumb(?:er|ing)", r"weld(?:er|ing)", r"fabricat(?:or|ion)", "carpenter",
        "joiner", "wiring", r"boilers?", "gas safe", r"fit-outs?", "heating engineer",
        "tradesperson", r"on site",
    ),
    "hospitality": _words(
        r"chefs?", "kitchen", "restaurant", "bistro", "hotel", r"guests?", "barista", "coffee",
        "front desk", "menu", "waiter", "waiting staff", "housekeeping", "catering",
    ),
    "support": _words(
        "customer support", r"help[- ]?desk", "service desk", r"tickets?", "first-line",
        r"troubleshoot(?:ing)?", "IT support", "support specialist", "technical support",
    ),
    "design": _words(
        "designer", r"(?:product|graphic|ux|ui|interaction|visual) design", "figma",
        "typography", r"wireframes?", r"prototyp(?:e|es|ing)", "design system", "usability",
        "user research", "adobe", "indesign", "brand guidelines",
    ),
}  # fmt: skip

_ROLES = re.compile(
    r"\b(?:(?:registered|staff|charge|senior|junior|lead|principal|head)\s+)?"
    r"(?:(?:back[- ]?end|front[- ]?end|full[- ]?stack|software|data|devops|platform|mobile|"
    r"machine learning|ml|cloud|qa|test|site reliability|web|java|python|react|sales|account|"
    r"warehouse|finance|management|staff|mathematics|maths|science|english|primary|"
    r"secondary|ward|icu|theatre)\s+)?"
    r"(?:engineer|developer|nurse|accountant|bookkeeper|teacher|analyst|scientist|architect|"
    r"representative|executive|associate|operative|picker|manager|consultant|designer|"
    r"administrator|specialist|controller|tutor)\b"
    r"|\b(?:engineering|tech(?:nical)?|team) lead\b",
    re.IGNORECASE,
)
_LEVEL_WORDS = re.compile(r"^(?:senior|junior|lead|principal|head|staff)\s+", re.IGNORECASE)

_SENIORITY_WORDS: tuple[tuple[Seniority, re.Pattern[str]], ...] = (
    ("principal", _words("principal", "distinguished", r"staff (?:engineer|developer)")),
    ("lead", _words(
        r"(?:tech(?:nical)?|team|engineering) lead", "head of",
        r"lead (?:engineer|developer|architect|nurse|accountant|teacher|analyst|scientist)",
    )),
    ("senior", re.compile(r"\b(?:senior|sr\.?)\s", re.IGNORECASE)),
    ("junior", _words(
        "junior", r"jr\.?", "graduate", r"entry[- ]level", r"intern(?:ship)?", "trainee",
        "apprentice",
    )),
    ("mid", _words(r"mid[- ]?(?:level|senior)?")),
)  # fmt: skip
_YEARS = re.compile(r"\b(\d{1,2})\s*\+?\s*(?:-|to)?\s*(?:\d{1,2}\s*)?\+?\s*years?\b", re.I)

_PHRASE_LEADS = re.compile(
    r"\b(?:experience (?:with|in|of)|knowledge of|proficien(?:t|cy) (?:in|with)|skilled in|"
    r"familiar(?:ity)? with|understanding of|expertise in|responsible for|skills in|"
    r"you will|you'll|duties include|will be)\s+"
    r"([^.;:\n()]{3,200})",
    re.IGNORECASE,
)
_AFTER_COLON = re.compile(r":[ \t]*([^.\n:]{3,200})")
_BULLET = re.compile(r"^[ \t]*(?:[-*\u2022]|\d+[.)])[ \t]+(.{3,120})$", re.MULTILINE)
_LIST_SPLIT = re.compile(r",|;|\s/\s")
_AND_SPLIT = re.compile(r"\s(?:and|or|&)\s", re.IGNORECASE)
# Where a phrase stops being the skill: "causal inference to measure ...", "X is a plus".
_PHRASE_END = re.compile(
    r"\s(?:to|for|that|which|so|is|are|would|against|across|during|with the|within|from|"
    r"a plus|required|essential|preferred|desirable|daily|every)\b.*$",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?<![\w.])[A-Z][\w+#]*(?:[ ][A-Z][\w+#]*){0,2}(?![\w+#]|\.\w)")
# Duties often start with a verb ("manage sedation"); questions name them as activities.
_DUTY_VERBS = frozenset(
    """
    analyse answer assess build care coach configure coordinate create deliver design develop
    diagnose escalate explain greet grow handle hire install lead maintain manage measure meet
    keep monitor operate own plan prepare present provide repair respond run serve set support teach
    test train troubleshoot write
    """.split()  # noqa: SIM905
)
_DOUBLED = frozenset({"plan", "run", "set"})
_DETERMINERS = frozenset({"a", "an", "the", "our", "your", "their"})
_KNOWN = "\x00"  # marks where a lexicon skill stood in a listed duty
_ANY_KNOWN = re.compile("|".join(skill.pattern.pattern for skill in LEXICON), re.IGNORECASE)
_PREPOSITIONS = frozenset({"for", "to", "with", "on", "in"})
_TRAILING = frozenset({"up", "well", "out", "daily"})
# Words that make a phrase generic rather than a skill, and languages people speak (a support
# role's "fluent English" is a requirement, not a skill to quiz).
_NOT_SKILLS = frozenset(
    """
    first second third team teams customers clients products staff people colleagues english
    spanish french german italian portuguese dutch polish arabic chinese mandarin japanese
    hindi fluent native licence license degree salary bonus benefits hours shifts weekends
    rules standards following
    """.split()  # noqa: SIM905
)
_MAX_PHRASE_WORDS = 5
_ENOUGH_SKILLS = 3
_SKILLS_FOR_A_SET = 5
_TITLE_WORDS = 6
_DOMAIN_MIN_SCORE = 2


@dataclass(frozen=True)
class JobProfile:
    """What the offline generator knows about a job."""

    domain: Domain
    seniority: Seniority
    role: str
    skills: tuple[Skill, ...]

    @property
    def is_software(self) -> bool:
        """Software questions need software skills, not just the word 'engineering'."""
        return self.domain == "software" and any(s.domain == "software" for s in self.skills)

    @property
    def languages(self) -> tuple[Skill, ...]:
        named = ("data structures and algorithms", "SQL", "Bash")
        return tuple(s for s in self.skills if s.group == "language" and s.name not in named)


def find_skills(text: str) -> list[Skill]:
    """Lexicon skills in the order the description first names them."""
    found: dict[str, tuple[int, Skill]] = {}
    for skill in LEXICON:
        match = skill.pattern.search(text)
        if match is None:
            continue
        known = found.get(skill.name)
        if known is None or match.start() < known[0]:
            written = _as_written(skill, match.group(0), text)
            found[skill.name] = (match.start(), replace(skill, written=written))
    return [skill for _, skill in sorted(found.values(), key=lambda item: item[0])]


def _as_written(skill: Skill, written: str, text: str) -> str | None:
    """The description's spelling when it is a proper name or acronym (Postgres, EHR, k8s),
    or when the description never uses the skill's own name ("observability" for monitoring),
    so that the questions speak the description's words."""
    written = " ".join(written.split())
    if written.lower() == skill.name.lower():
        return None
    if not content_terms(skill.name) & content_terms(text):
        return written
    single_name = " " not in written and written[0].isupper()  # Vite, Epic, Prometheus
    # Capitals past the first letter or digits mark a name (EHR, k8s), not a capitalised phrase.
    if single_name or any(c.isupper() or c.isdigit() for c in written[1:]):
        return written
    return None


def _fallback_skill(name: str, group: str) -> Skill:
    return Skill(name, group, "general", skill_pattern(re.escape(name)))


def _gerund(verb: str) -> str:
    if verb in _DOUBLED:
        return f"{verb}{verb[-1]}ing"
    if verb.endswith("e") and not verb.endswith("ee"):
        return f"{verb[:-1]}ing"
    return f"{verb}ing"


def _cut(phrase: str) -> str:
    """The phrase up to where it stops being the skill; a duty's own preposition stays
    ("care for ventilated patients", "respond to deterioration")."""
    words = phrase.split()
    if len(words) > 2 and words[0].lower() in _DUTY_VERBS and words[1].lower() in _PREPOSITIONS:
        head, rest = " ".join(words[:2]), " ".join(words[2:])
        return f"{head} {_PHRASE_END.sub('', ' ' + rest).strip()}"
    return _PHRASE_END.sub("", phrase)


def _clean_phrase(phrase: str) -> str | None:
    words = [w.strip("()[]\"'") for w in _cut(phrase.strip()).strip(" -").split()]
    words = [w for w in words if w]
    while words and (words[-1].lower() in _TRAILING or words[-1].lower() in STOPWORDS):
        words = words[:-1]
    while words and words[0].lower() in STOPWORDS:
        words = words[1:]
    if words and words[0].lower() in _DUTY_VERBS and len(words) > 1:
        words[0] = _gerund(words[0].lower())
        if words[1].lower() in _DETERMINERS and len(words) > 2:
            del words[1]  # "maintain our design system" -> "maintaining design system"
        if len(words) > 2 and words[1] == "and" and words[2].lower() in _DUTY_VERBS:
            words[2] = _gerund(words[2].lower())  # "hire and grow engineers"
    if len(words) == 1 and words[0].lower().endswith("ing") and words[0][0].islower():
        return None  # a lone activity word ("following") names no skill
    if not words or len(words) > _MAX_PHRASE_WORDS:
        return None
    if all(w.lower() in STOPWORDS or w.lower() in _NOT_SKILLS for w in words):
        return None
    cleaned = " ".join(words).strip(" -")
    if len(cleaned) < 3:
        return None
    return cleaned if any(c.isupper() for c in cleaned[1:]) else cleaned.lower()


def _items(listed: str) -> list[str]:
    """A listed duty split into items; "X and Y" stays whole when either side is one word
    ("returns and exchanges", "testing and inspection")."""
    items: list[str] = []
    for part in _LIST_SPLIT.split(listed):
        pieces = _AND_SPLIT.split(part)
        if len(pieces) > 1 and all(len(piece.split()) >= 2 for piece in pieces):
            items += pieces
        else:
            items.append(part)
    return items


def find_phrases(text: str) -> list[Skill]:
    """Skill-like phrases the lexicon does not know, such as "causal inference".

    Listed duties ("experience with X", "you will X, Y and Z", "Duties: X, Y", bullet points)
    first; capitalised names (tools, systems) only when those give too few.
    """
    phrases: list[str] = []
    listed = [m.group(1) for m in _PHRASE_LEADS.finditer(text)]
    listed += [m.group(1) for m in _AFTER_COLON.finditer(text)]
    listed += [m.group(1) for m in _BULLET.finditer(text)]
    for items in listed:
        items = _ANY_KNOWN.sub(_KNOWN, items)  # the lexicon finds those, not cut into bits
        for part in _items(items):
            if _KNOWN in part:
                continue
            cleaned = _clean_phrase(part)
            if cleaned:
                phrases.append(cleaned)
    if len(phrases) < _ENOUGH_SKILLS:
        phrases += _capitalised_names(text)
    skills: list[Skill] = []
    for phrase in phrases:
        if any(known.pattern.fullmatch(phrase) for known in LEXICON):
            continue
        if phrase.lower() not in {s.name.lower() for s in skills}:
            group = "tool" if phrase[0].isupper() else "practice"
            skills.append(_fallback_skill(phrase, group))
    return skills


def _capitalised_names(text: str) -> list[str]:
    names = []
    for match in _CAPITALISED.finditer(text):
        before = text[: match.start()].rstrip()
        starts_sentence = not before or before[-1] in ".!?:;\n-*\u2022"
        name = match.group(0)
        first = name.split()[0].lower()
        if not starts_sentence and first not in STOPWORDS | _NOT_SKILLS and len(name) > 2:
            names.append(name)
    return names


def frequent_words(text: str, count: int = 3) -> list[Skill]:
    """The description's most used meaningful words: the last resort when nothing else is named."""
    words = re.findall(r"[a-z][a-z-]{3,}", text.lower())
    words = [w for w in words if w not in STOPWORDS and w not in _NOT_SKILLS]
    return [_fallback_skill(word, "practice") for word, _ in Counter(words).most_common(count)]


def detect_domain(text: str, skills: list[Skill]) -> Domain:
    scores: Counter[Domain] = Counter(skill.domain for skill in skills)
    for domain, pattern in _DOMAIN_WORDS.items():
        scores[domain] += 2 * len(pattern.findall(text))
    scores.pop("general", None)
    if not scores:
        return "general"
    domain, score = scores.most_common(1)[0]
    # One stray skill (a nurse who knows Excel, a biologist who uses Python) is not a domain.
    return domain if score >= _DOMAIN_MIN_SCORE else "general"


def detect_seniority(text: str) -> Seniority:
    for level, pattern in _SENIORITY_WORDS:
        if pattern.search(text):
            return level
    match = _YEARS.search(text)
    if match is None:
        return "mid"
    years = int(match.group(1))
    if years >= 8:
        return "lead"
    if years >= 5:
        return "senior"
    return "mid" if years >= 2 else "junior"


def detect_role(text: str) -> str | None:
    match = _ROLES.search(text)
    if match is None:
        return None
    return _LEVEL_WORDS.sub("", match.group(0))


def _language_first(skills: list[Skill], language: str | None) -> list[Skill]:
    if not language:
        return skills
    wanted = next((s for s in LEXICON if s.pattern.fullmatch(language.strip())), None)
    if wanted is None:
        wanted = _fallback_skill(language.strip(), "language")
    return [wanted, *[s for s in skills if s.name != wanted.name]]


def _by_position(text: str, skills: list[Skill]) -> list[Skill]:
    """The skills, each once, in the order the description first names them."""
    unique = list({skill.name.lower(): skill for skill in reversed(skills)}.values())[::-1]

    def position(skill: Skill) -> int:
        match = skill.pattern.search(text)
        return match.start() if match is not None else len(text)

    return sorted(unique, key=position)


def read_profile(request: GenerationRequest) -> JobProfile:
    """Everything the offline generator uses from a request."""
    text = request.job_description
    found = find_skills(text)
    phrases = [p for p in find_phrases(text) if not any(s.pattern.search(p.name) for s in found)]
    skills = _by_position(text, [*found, *phrases])
    role = (request.role_title or "").strip() or detect_role(text) or "this role"
    if len(skills) < _SKILLS_FOR_A_SET:  # five questions on five different things
        # nor the job title ("Welder fabricator: ...") that opens most descriptions
        title = re.split(r"[:.(\n]", text, maxsplit=1)[0].split()[:_TITLE_WORDS]
        taken = f"{' '.join(s.name for s in skills)} {role} {' '.join(title)}".lower()
        asides_dropped = re.sub(r"\([^)]*\)", " ", text)  # "(7.5 tonne)", "(licence required)"
        skills += [w for w in frequent_words(asides_dropped, 6) if w.name not in taken]
    if not skills:
        skills = [_fallback_skill("the core duties of the role", "practice")]
    skills = _language_first(skills, request.language)
    domain = detect_domain(text, skills)
    seniority = request.seniority or detect_seniority(text)
    return JobProfile(domain=domain, seniority=seniority, role=role, skills=tuple(skills))
