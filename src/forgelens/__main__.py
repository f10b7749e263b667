"""`python -m forgelens` is the `forgelens` command."""

from forgelens.cli import app

app(prog_name="forgelens")
