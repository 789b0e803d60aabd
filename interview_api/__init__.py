"""The interview API: interview sessions with a snapshot of approved questions, and streamed,
durable recording uploads. The app is `interview_api.main:app` (factory: `build_app`)."""
