#!/usr/bin/python3
"""Starts Debian's classic Jupyter Notebook on notebooks/ with this repository's Jupyter environment
(scripts/notebooks/jupyter_env.py: the blockwise-ssl kernel from jupyter/, state under .jupyter/).

    npm run notebooks [-- --no-browser --port 8888 ...]   (extra arguments go to jupyter-notebook)
"""
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jupyter_env import KERNEL_NAME, ROOT, jupyter_env  # noqa: E402

notebook = shutil.which("jupyter-notebook", path="/usr/bin") or shutil.which("jupyter-notebook")
if notebook is None:
    sys.exit(
        "serve: jupyter-notebook is not installed. Install Debian's classic Notebook "
        "(apt-get install -y --no-install-recommends jupyter-notebook), or start your own JupyterLab or VS Code "
        f"with JUPYTER_PATH={ROOT / 'jupyter'} and pick the kernel 'TypeScript ({KERNEL_NAME})'."
    )
if not (ROOT / "dist" / "lib" / "index.js").exists():
    print("serve: dist/lib is missing: run 'npm run build' first, or notebooks cannot import 'blockwise-ssl'", file=sys.stderr)
# Containers and CI machines often run as root, which the Notebook refuses without --allow-root.
root_flag = ["--allow-root"] if os.geteuid() == 0 else []
os.execve(notebook, [notebook, f"--notebook-dir={ROOT / 'notebooks'}", *root_flag, *sys.argv[1:]], jupyter_env())
