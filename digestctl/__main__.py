"""`python -m digestctl` runs the CLI."""

from digestctl.cli import main

main()
