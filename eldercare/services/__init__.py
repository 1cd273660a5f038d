"""Every write of the elder-housing app: keyword-only, typed, atomic, with actor and reason."""
