"""Readers and writers of the files people hand in and take away (CSV, XLSX, JSONL)."""
