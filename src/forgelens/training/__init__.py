"""Training tooling (datasets, recipes); not needed at inference."""
