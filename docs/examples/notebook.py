# %% [markdown]
# # plausible from a notebook
#
# A percent-script: open it in JupyterLab or VS Code as a notebook (each `# %%` line starts a cell), or run it
# as a script: `python docs/examples/notebook.py [WORKSPACE [OUTPUT-FOLDER]]`. Without a workspace it makes the
# example of `plausible init` in a temporary folder. In a notebook, the last value of a cell shows itself as a table
# (`_repr_html_`); in a script, `print` shows a one-line summary.

# %%
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:  # a script: draw into files, not windows
    matplotlib.use("Agg")

import arviz as az

import plausible
from plausible.analysis import analyze, trajectory
from plausible.briefing import build_briefing, render_html

# A script takes the workspace and an output folder; a notebook (whose argv is the kernel's) takes neither.
args = [] if "ipykernel" in sys.modules else sys.argv[1:]
out = Path(args[1]) if len(args) > 1 else Path(tempfile.mkdtemp(prefix="plausible-notebook-"))
root = Path(args[0]) if args else out / "workspace"
if not args:
    subprocess.run([sys.executable, "-m", "plausible", "init", str(root)], check=True)

# %% [markdown]
# ## The workspace
# `repr` is one line; in a notebook the cell shows each set with its question, hypotheses and reports.

# %%
ws = plausible.load_workspace(root)
print(repr(ws))
set_id = next(iter(ws.sets))
ws

# %% [markdown]
# ## The posterior (exact engine)
# `to_frame()` has the titles and the probability in the model's words; `weights_frame()` is
# `Posterior.weights` labelled: reports (rows) by hypotheses (columns), in decibans.

# %%
post = ws.posterior(set_id)
print(repr(post))
print(post.to_frame().to_string())
post.weights_frame().round(1)

# %% [markdown]
# ## Diagnostics and the trajectory

# %%
report = analyze(ws, set_id)
print(repr(report))
trajectory(ws, set_id, by="date").to_frame()

# %% [markdown]
# ## MCMC, handed over to ArviZ
# `to_datatree()` is the run as ArviZ's `DataTree`: groups `posterior` (the sources' reliability `rho` and the
# hypotheses' `probability`), `sample_stats` and `interval`. Small settings here; use the model file's for real.

# %%
mcmc = ws.posterior(set_id, method="mcmc", draws=200, tune=200, chains=2, seed=1)
tree = mcmc.to_datatree()
print(az.summary(tree, var_names=["rho"]))
plots = az.plot_dist(tree, var_names=["rho"])
plots.savefig(out / "rho.png")
mcmc.to_frame()

# %% [markdown]
# ## A briefing, as one HTML page

# %%
page = out / "briefing.html"
page.write_text(render_html(build_briefing(ws, [set_id])), encoding="utf-8")
print(f"wrote {page}")
