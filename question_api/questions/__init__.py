"""Question sets: generation, storage, review and approval."""
