"""Bria's HTTP API. Knows nothing of plans or state."""
