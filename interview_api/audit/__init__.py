"""`GET /audit`: the audit trail (its model and recording are in `shared.audit`)."""
