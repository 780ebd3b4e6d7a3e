"""What the files mean: schemas, verbal scales and their Beta bands, the domain entities, cross-checks.

A set is compiled here into the arrays the engines compute with.
"""
