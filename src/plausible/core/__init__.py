"""The foundation every layer stands on: errors, vocabularies, identifier rules, size limits.

Imports nothing of the package.
"""
