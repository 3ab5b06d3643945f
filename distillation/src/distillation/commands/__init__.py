"""What the command-line commands do, kept apart from their Typer wiring in :mod:`distillation.cli`."""
