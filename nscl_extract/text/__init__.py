"""Text tools every stage shares: taken spans, numbers as written, Vietnamese words (underthesea,
only where a rule needs word boundaries), sentences and clauses, and the province table."""
