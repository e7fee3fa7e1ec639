"""HTTP layer: thin FastAPI handlers over the service modules."""
