"""The audit trail both services write: who generated, approved, invited, viewed, played, rated,
decided, exported or erased what, when, with which role (see `trail.py`)."""
