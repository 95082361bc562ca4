"""Mention extractors: small pure functions `text -> list[Mention]`, one module per type,
their patterns and lexicons in rules/<type>.yml."""
