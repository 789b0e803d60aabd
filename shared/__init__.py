"""Shared pieces: settings, database, storage, HTTP retry policy, errors, logging, auth."""
