"""``python -m portplan`` runs the command line."""

from portplan.cli.main import main

main()
