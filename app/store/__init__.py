"""The only code that reads or writes RDF. Queries live in `queries/*.rq`."""

from app.store.base import GraphStore, QueryResult, open_store

__all__ = ["GraphStore", "QueryResult", "open_store"]
