"""Vietnamese text processing for kiennghi: pure functions and picklable transformers, no I/O."""
