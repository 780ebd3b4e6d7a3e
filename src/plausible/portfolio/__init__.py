"""A portfolio of questions: every set of many workspaces computed on Dask distributed, kept in a Parquet store.

The client finds the workspaces (:mod:`~plausible.portfolio.discovery`), loads and compiles them, and decides
what is new (:mod:`~plausible.portfolio.planning`); only compiled arrays and validated settings travel to the
workers (:mod:`~plausible.portfolio.tasks`), which need no shared filesystem; the client alone writes the
results (:mod:`~plausible.portfolio.store`), batch by batch (:mod:`~plausible.portfolio.runner`). The overview
page reads the store's run history (:mod:`~plausible.portfolio.overview`).

Dask and pyarrow are imported here only, and only when a portfolio command runs.
"""
