"""The running services a browser test talks to, and the screenshots it takes."""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page

from tests.multiprocess.processes import Children

START_SECONDS = 60.0
SCREENSHOTS: list[Path] = []


@dataclass
class System:
    """The running services and what a test needs to reach them."""

    question_api: str
    interview_api: str
    data_dir: Path
    children: Children

    def staff(self) -> httpx.Client:
        """A staff client of the interview API (open: the services run on loopback, no keys)."""
        return httpx.Client(base_url=self.interview_api, timeout=30)

    def question_set(self, approved: int = 3) -> str:
        """A question set from the offline generator with `approved` of its questions approved."""
        with httpx.Client(base_url=self.question_api, timeout=60) as client:
            made = client.post(
                "/generate",
                json={
                    "job_description": "Backend engineer: Python, Django, PostgreSQL, REST APIs.",
                    "role_title": "Backend engineer",
                },
            )
            assert made.status_code == 201, made.text
            created = made.json()
            set_id = str(created["question_set_id"])
            for question in created["questions"][approved:]:
                rejected = client.patch(
                    f"/question-sets/{set_id}/questions/{question['id']}",
                    json={"status": "rejected", "reviewer": "hr@example.com"},
                )
                assert rejected.status_code == 200, rejected.text
            approved_set = client.post(
                f"/question-sets/{set_id}/approve", json={"reviewer": "hr@example.com"}
            )
            assert approved_set.status_code == 200, approved_set.text
        return set_id

    def invite(
        self, questions: int = 3, question_set_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """An invitation to a new set of `questions` (or to `question_set_id`), with short
        times unless told otherwise."""
        body = {
            "question_set_id": question_set_id or self.question_set(questions),
            "candidate": {"name": "Alex Example", "email": "alex@example.com"},
            "answer_seconds": 10,
            "think_seconds": 3,
            "retakes": 1,
            "practice": False,
            **fields,
        }
        with self.staff() as staff:
            created = staff.post("/invitations", json=body)
        assert created.status_code == 201, created.text
        invitation: dict[str, Any] = created.json()
        return invitation


def wait_ready(url: str, children: Children) -> None:
    """Polls `/readyz` (a readiness poll, not a timing assumption) until the service answers."""
    deadline = time.monotonic() + START_SECONDS
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            children.assert_alive()
            try:
                if client.get(f"{url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise AssertionError(f"{url} did not become ready")


class Screens:
    """Saves the page as `<test>-<nn>-<what>.png` in the screenshot folder."""

    def __init__(self, page: Page, folder: Path, prefix: str) -> None:
        self.page, self.folder, self.prefix, self.count = page, folder, prefix, 0

    def __call__(self, what: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.prefix}-{self.count:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)
        SCREENSHOTS.append(path)
        return path
