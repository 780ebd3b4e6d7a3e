"""Package data: the built-in model file and the `plausible init` example workspace."""
