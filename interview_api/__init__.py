"""interview_api."""
