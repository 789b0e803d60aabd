"""The question API: interview questions for a job description, reviewed and approved by HR."""
