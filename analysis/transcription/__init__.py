"""Transcripts of the answers: audio prepared locally, a speech-to-text engine, and what is
measured from the words (speech rate, filler words)."""
