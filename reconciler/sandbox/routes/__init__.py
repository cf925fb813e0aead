"""Thin HTTP adapters: parse the request, call the backend, shape the response."""
