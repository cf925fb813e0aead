"""The command-line interface: the composition root, and the one place errors become exit codes."""
