"""question_api."""
