"""The `python -m device` subcommands, one module each."""
