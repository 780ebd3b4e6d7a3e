"""Files in and out: reading YAML with exact line numbers, atomic writes, the parse cache, file locks.

Knows nothing of what the files mean (that is :mod:`plausible.model`).
"""
