"""Short `Annotated` aliases so route signatures stay one line."""

from typing import Annotated

from fastapi import Depends, Request

from question_api.generation.base import QuestionGenerator
from shared.settings import Settings


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_question_generator(request: Request) -> QuestionGenerator:
    generator: QuestionGenerator = request.app.state.question_generator
    return generator


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
GeneratorDep = Annotated[QuestionGenerator, Depends(get_question_generator)]
