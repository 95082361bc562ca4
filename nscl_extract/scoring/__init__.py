"""Scoring against gold that people wrote by reading (SPEC 5-6): gold files, the scorer and its
commands (`score`, `gold check`)."""
