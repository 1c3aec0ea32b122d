"""Vocabulary namespaces and domain types. No I/O."""
