"""The JSON API: thin FastAPI routes over ``linkwatch.analysis`` and the store's read functions."""
from linkwatch.api.app import create_app

__all__ = ["create_app"]
