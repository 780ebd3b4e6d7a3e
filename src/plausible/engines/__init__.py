"""Inference engines: ``exact`` (closed form, NumPy) and ``mcmc`` (PyMC, imported only when used)."""
