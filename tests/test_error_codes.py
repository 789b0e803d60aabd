"""The README's error list names every code the services can answer with, and only those."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shared", "question_api", "interview_api", "analysis")
# Calls whose string arguments at these places are an answer's code.
_CODE_ARGUMENT = {
    "invalid": (0,),
    "error_response": (1,),
    "unsupported_media": (0,),
    "_whole_number": (2, 3),
    "int_header": (2,),
}
# Helpers whose `code=` becomes an answer's code.
_PASSES_CODE_ON = {"_optional_text", "_as_int"}


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def codes_in_code() -> set[str]:
    """Every error code written in the services' code: `code=` of an error, `invalid(...)`,
    `error_response(...)`, `code = ...` on an error class, the HTTP fallback codes."""
    codes: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            errors = _error_classes(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    name = _name(node.func)
                    if name in errors or name in _PASSES_CODE_ON:
                        codes.update(
                            c for k in node.keywords if k.arg == "code" and (c := _string(k.value))
                        )
                    for index in _CODE_ARGUMENT.get(name, ()):
                        if len(node.args) > index and (code := _string(node.args[index])):
                            codes.add(code)
                elif isinstance(node, ast.ClassDef) and node.name in errors:
                    for item in node.body:
                        if isinstance(item, ast.Assign) and _name(item.targets[0]) == "code":
                            codes.update(c for c in [_string(item.value)] if c)
                elif isinstance(node, ast.Assign) and _name(node.targets[0]) == "_HTTP_CODES":
                    assert isinstance(node.value, ast.Dict)
                    codes.update(c for v in node.value.values if (c := _string(v)))
    return codes


def _error_classes(tree: ast.Module) -> set[str]:
    """Names of the error classes: AppError and its subclasses, here and in shared.errors."""
    known = {
        "AppError",
        "NotFound",
        "Conflict",
        "Unprocessable",
        "Unauthorized",
        "Forbidden",
        "Gone",
    }
    known |= {"UpstreamError"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(_name(b) in known for b in node.bases):
            known.add(node.name)
    return known


def codes_in_readme() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Errors", 1)[1].split("\n## ", 1)[0]
    listed = section.split("The codes a client meets:", 1)[1].split("\n\n", 2)[1]
    return set(re.findall(r"`([a-z][a-z0-9_]+)`", listed))


def test_the_readme_lists_every_error_code_the_code_can_answer_with() -> None:
    in_code, in_readme = codes_in_code(), codes_in_readme()
    assert sorted(in_code - in_readme) == [], "codes missing from the README's error list"
    assert sorted(in_readme - in_code) == [], "README codes that nothing answers with"
