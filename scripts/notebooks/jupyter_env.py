"""The Jupyter environment of this repository: the blockwise-ssl kernel from jupyter/, and Jupyter's config, data
and runtime folders under .jupyter/ (gitignored), so that nothing is read from or written to the user's home."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL_NAME = "blockwise-ssl"


def jupyter_env(base=None):
    """A copy of `base` (default os.environ) with JUPYTER_PATH starting at <repo>/jupyter and JUPYTER_*_DIR in .jupyter/."""
    env = dict(os.environ if base is None else base)
    paths = [str(ROOT / "jupyter")] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_RUNTIME_DIR", "runtime")):
        env[var] = str(ROOT / ".jupyter" / sub)
        Path(env[var]).mkdir(parents=True, exist_ok=True)
    return env
