"""`interview-backend serve`: ports from the settings or options, the URLs it prints, and a
clear stop when a port is taken."""

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from shared import serve
from shared.settings import get_settings


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """What `main` would serve, without starting anything."""
    calls: list[dict[str, Any]] = []

    def fake_serve(host: str, ports: dict[str, int]) -> int:
        calls.append({"host": host, **ports})
        return 0

    monkeypatch.setattr(serve, "serve", fake_serve)
    get_settings.cache_clear()
    yield calls
    get_settings.cache_clear()


def run_main(*argv: str) -> int:
    with pytest.raises(SystemExit) as exited:
        serve.main(list(argv))
    code = exited.value.code
    return code if isinstance(code, int) else 1


def test_the_ports_default_to_8001_and_8002(started: list[dict[str, Any]], monkeypatch) -> None:
    monkeypatch.delenv("QUESTION_API_PORT", raising=False)
    monkeypatch.delenv("INTERVIEW_API_PORT", raising=False)

    assert run_main("serve") == 0

    assert started == [{"host": "127.0.0.1", "QUESTION_API_PORT": 8001, "INTERVIEW_API_PORT": 8002}]


def test_the_ports_come_from_the_settings_and_options_win(
    started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUESTION_API_PORT", "9101")
    monkeypatch.setenv("INTERVIEW_API_PORT", "9102")

    run_main("serve")
    run_main("serve", "--interview-port", "9202")

    assert [(c["QUESTION_API_PORT"], c["INTERVIEW_API_PORT"]) for c in started] == [
        (9101, 9102),
        (9101, 9202),
    ]


def test_a_port_that_is_not_a_port_is_refused(
    started: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main("serve", "--question-port", "http") == 2

    assert "is not a port" in capsys.readouterr().err
    assert started == []


def test_every_url_printed_opens_on_this_machine() -> None:
    question_api = serve.SERVICES[0]

    lines = serve.page_urls(question_api, "0.0.0.0", 9301)

    assert lines == [
        "question API: http://127.0.0.1:9301",
        "  API docs: http://127.0.0.1:9301/docs",
    ]


def test_a_port_in_use_stops_before_anything_starts(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        code = serve.serve("127.0.0.1", {"QUESTION_API_PORT": port, "INTERVIEW_API_PORT": port})

    assert code == 2
    message = capsys.readouterr().err
    assert f"Port {port}" in message
    assert "QUESTION_API_PORT" in message
    assert "--question-port" in message
