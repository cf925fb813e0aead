"""`python -m reconciler.cli`: the same as the `tailor` console script."""

from reconciler.cli.main import main

main()
