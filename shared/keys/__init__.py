"""Staff API keys: one store both services read (see `store.py`)."""
