"""Short `Annotated` aliases so route signatures stay one line (`SettingsDep` is shared)."""

from typing import Annotated

from fastapi import Depends, Request

from question_api.generation.base import QuestionGenerator


def get_question_generator(request: Request) -> QuestionGenerator:
    generator: QuestionGenerator = request.app.state.question_generator
    return generator


GeneratorDep = Annotated[QuestionGenerator, Depends(get_question_generator)]
