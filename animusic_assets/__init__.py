"""Animusic's offline half: the Dagster code location (see definitions.py)."""
