"""Tests against a real llama.cpp server (marker ``llm_server``; run with ``make test-llm``)."""
