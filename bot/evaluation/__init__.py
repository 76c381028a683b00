"""Evaluation: measure extraction and answers against a labelled corpus (``briefbot eval``)."""
