"""`/docs` and `/redoc` on both services render from the app's own assets: nothing is fetched
from a CDN, so they work on a machine without internet."""

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI

from interview_api.main import build_app as build_interview_api
from question_api.main import build_app as build_question_api
from shared.settings import Settings
from tests.interview_api.conftest import serve

BUILDERS: dict[str, Callable[[Settings], FastAPI]] = {
    "question_api": build_question_api,
    "interview_api": build_interview_api,
}


@pytest.mark.parametrize("service", sorted(BUILDERS))
async def test_docs_pages_load_everything_from_the_service(settings: Settings, service: str):
    async with serve(BUILDERS[service](settings)) as client:
        for page in ("/docs", "/redoc"):
            response = await client.get(page)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/html")
            html = response.text
            assert not re.search(r"(src|href)=[\"']https?://", html), html
            assets = re.findall(r"[\"'](/docs/assets/[^\"']+)[\"']", html)
            assert assets, html
            for asset in assets:
                served = await client.get(asset)
                assert served.status_code == 200, asset
                assert served.headers["cache-control"] == "no-cache"
                expected = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
                suffix = asset[asset.rindex(".") :]
                assert served.headers["content-type"].startswith(expected[suffix])
                assert len(served.content) > 100
        spec = await client.get("/openapi.json")
        assert spec.status_code == 200
        assert "/healthz" in spec.json()["paths"]
