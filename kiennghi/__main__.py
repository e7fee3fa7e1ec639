"""`python -m kiennghi` runs the command line."""

from kiennghi.cli import app

app()
