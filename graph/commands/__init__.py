"""One module per `pcmh-kg` subcommand (see cli.py)."""
