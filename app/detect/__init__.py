"""Contradiction detection: declarative SPARQL rules run inside the store."""
