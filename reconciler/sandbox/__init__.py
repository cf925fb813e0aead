"""A model of Bria's Tailored Generation training API. Imports nothing else from reconciler."""
