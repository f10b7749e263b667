"""Training tooling: datasets and recipes, the only code that fits and writes the shipped model files (torch lives here only); not needed at inference."""
