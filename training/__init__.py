"""Training runs for the sector model: corpus, pipeline, metrics, reports, comparisons."""
