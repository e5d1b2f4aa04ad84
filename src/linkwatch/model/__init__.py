"""Records every layer exchanges, and the ontology as data."""
from linkwatch.model.records import Article, Failure

__all__ = ["Article", "Failure"]
