"""Interview sessions: start, end, look up, erase."""
