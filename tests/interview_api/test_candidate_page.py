"""The candidate page is served at the invitation link, its files under /static, with the
content types browsers insist on and cache headers that keep the token out of caches."""

import logging
from pathlib import Path

import pytest

import interview_api.page
from interview_api.main import build_app
from shared.settings import Settings
from tests.interview_api.conftest import serve


@pytest.fixture
def static_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "static"
    (root / "candidate" / "vendor").mkdir(parents=True)
    (root / "candidate" / "index.html").write_text("<!doctype html><title>Interview</title>")
    (root / "candidate" / "app.js").write_text("export const answer = 42;\n")
    (root / "candidate" / "style.css").write_text("body { margin: 0 }\n")
    (root / "candidate" / "vendor" / "font.woff2").write_bytes(b"wOF2" + bytes(64))
    monkeypatch.setattr(interview_api.page, "STATIC_ROOT", root)
    return root


async def test_the_link_serves_the_page_uncached(settings: Settings, static_root: Path) -> None:
    async with serve(build_app(settings)) as client:
        page = await client.get("/interview/some-token-value")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "<title>Interview</title>" in page.text


async def test_static_files_have_their_types_and_revalidate(
    settings: Settings, static_root: Path
) -> None:
    async with serve(build_app(settings)) as client:
        for path, content_type in (
            ("/static/candidate/app.js", "text/javascript"),
            ("/static/candidate/style.css", "text/css"),
            ("/static/candidate/vendor/font.woff2", "font/woff2"),
        ):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith(content_type)
            assert response.headers["cache-control"] == "no-cache"
            assert response.headers["x-content-type-options"] == "nosniff"
            again = await client.get(path, headers={"if-none-match": response.headers["etag"]})
            assert again.status_code == 304
        missing = await client.get("/static/candidate/nope.js")
        assert missing.status_code == 404
        escape = await client.get("/static/../main.py")
        assert escape.status_code == 404


async def test_the_token_in_the_link_never_reaches_the_logs(
    settings: Settings, static_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with serve(build_app(settings)) as client:
        assert (await client.get("/interview/secret-token-value")).status_code == 200
    ours = [r.getMessage() for r in caplog.records if r.name != "httpx"]  # not the test client
    assert not [line for line in ours if "secret-token-value" in line]
    assert "GET /interview/{token} 200" in ours
