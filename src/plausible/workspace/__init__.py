"""A workspace: its files loaded, validated and cross-checked, and the posteriors it serves.

This layer joins the model (what the files mean) to the engines (what follows from them); the layers above
it (tracking, analysis, forecasting, briefing, the command line) work with a :class:`Workspace`.
"""

from plausible.workspace.loading import INPUT_FOLDERS, Workspace, load_workspace

__all__ = ["INPUT_FOLDERS", "Workspace", "load_workspace"]
