"""The only package that combines plan, client and state: refresh, execute, wait, adopt."""
