"""The audit trail: who did what to which interview, when, with which role."""
