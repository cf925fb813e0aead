"""The step handlers, one module per kind of resource; `engine/handlers.py` registers them."""
