"""The model registry: versioned, hashed artifacts with their metadata."""
