"""The fact-checkers' review workflow."""
