#!/usr/bin/python3
"""Executes notebooks headlessly with the repository's blockwise-ssl kernel and checks what they produce.

    /usr/bin/python3 scripts/notebooks/run-notebooks.py [NOTEBOOK ...] [--scale smoke|cpu|cifar10-long|paper] [--out DIR] [--html]
                                                        [--gallery DIR]

Runs every notebooks/*.ipynb by default. The scale reaches the notebooks as BLOCKWISE_SCALE (the kernel inherits
the environment; default: BLOCKWISE_SCALE if set, else smoke; at cifar10-long name the notebooks, since a notebook
without saved results at that scale trains). For each notebook:
- a cell that fails (a throw, a type error, a rejected await, a dead kernel, a time-out) fails the notebook; the
  runner prints that cell's first lines and its stderr and error text (tslab reports errors only on stderr);
- every figure named in the notebook metadata `blockwise_ssl.figures` must have been shown by `display` (a Plotly
  output whose metadata names it); where chromium is installed it must carry its PNG fallback too;
- the executed copy goes to OUT/<name>.ipynb (also when it failed), each figure's PNG to OUT/<name>/<figure>.png,
  and with --html an HTML export (showing the PNGs) to OUT/<name>.html.
With --gallery DIR (cpu, cifar10-long or paper scale) only notebooks whose saved results exist run, so nothing trains: those of
RESULTS/<scale>/<experiment>/ (RESULTS: BLOCKWISE_RESULTS, default results/; the experiment is the notebook metadata's
`blockwise_ssl.experiment`; its preset.json must be at that scale), with BLOCKWISE_RETRAIN unset; each figure's PNG of
a notebook that passed goes to DIR/<name>-<n>.png (n: 1, 2, ... in display order), replacing the earlier ones. The
README's gallery comes from `--scale cpu --gallery docs/figures`.
Exits 1 when any notebook failed, 2 on bad arguments or when Jupyter is missing.
Needs Debian's jupyter-nbconvert and jupyter-client (nbclient, nbformat) on /usr/bin/python3.
"""
import argparse
import base64
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jupyter_env import KERNEL_NAME, ROOT, jupyter_env  # noqa: E402

SCALES = ("smoke", "cpu", "cifar10-long", "paper")
PLOTLY_MIME = "application/vnd.plotly.v1+json"
FIGURE_METADATA_KEY = "blockwise-ssl"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SOURCE_HEAD_LINES = 15


def main():
    args = parse_args()
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError as err:
        print(f"run-notebooks: {err}; install Debian's jupyter-nbconvert and jupyter-client (apt-get install -y "
              "--no-install-recommends jupyter-nbconvert jupyter-client) and run with /usr/bin/python3", file=sys.stderr)
        return 2
    os.environ.update(jupyter_env())
    os.environ["BLOCKWISE_SCALE"] = args.scale
    notebooks = [Path(p).resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        print("run-notebooks: no notebooks found", file=sys.stderr)
        return 2
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    chromium = chromium_for_png()
    results_root = None
    if args.gallery:
        if args.scale == "smoke" or chromium is None:
            print("run-notebooks: --gallery needs --scale cpu, cifar10-long or paper (smoke results are never saved) and chromium for "
                  "the PNGs", file=sys.stderr)
            return 2
        results_root = Path(os.environ.get("BLOCKWISE_RESULTS") or ROOT / "results").resolve()
        os.environ["BLOCKWISE_RESULTS"] = str(results_root)
        os.environ.pop("BLOCKWISE_RETRAIN", None)
    print(f"run-notebooks: {len(notebooks)} notebook(s) at scale '{args.scale}', kernel '{KERNEL_NAME}', "
          f"PNG fallback {'required (chromium at ' + chromium + ')' if chromium else 'not checked (no chromium or BLOCKWISE_PLOT_PNG=0)'}")

    failed = []
    skipped = []
    for path in notebooks:
        start = time.monotonic()
        nb = nbformat.read(str(path), as_version=4)
        if results_root is not None:
            unsaved = no_saved_results(nb, results_root, args.scale)
            if unsaved:
                skipped.append(path.name)
                print(f"skip {path.name}: {unsaved}")
                continue
        current = {"index": None}
        client = NotebookClient(
            nb,
            kernel_name=KERNEL_NAME,
            timeout=args.timeout,
            resources={"metadata": {"path": str(path.parent)}},
            on_cell_execute=lambda cell, cell_index: current.update(index=cell_index),
        )
        problems = []
        try:
            client.execute()
        except Exception as err:  # a failing cell, a dead kernel, a time-out or a kernel that never started
            problems.append(describe_failure(nb, current["index"], err))
        if not problems:
            problems += check_figures(nb, chromium)
        nbformat.write(nb, str(out / path.name))
        saved = save_pngs(nb, out / path.stem)
        if args.html:
            export_html(nb, out / f"{path.stem}.html")
        seconds = time.monotonic() - start
        if problems:
            failed.append(path.name)
            print(f"FAIL {path.name} ({seconds:.1f} s)")
            for p in problems:
                print(indent(p))
        else:
            print(f"ok   {path.name} ({seconds:.1f} s, {len(saved)} figure PNG(s) in {out / path.stem})")
            if args.gallery:
                for target in save_gallery_pngs(nb, Path(args.gallery).resolve(), path.stem):
                    print(f"     {target}")
    print(f"run-notebooks: {len(notebooks) - len(failed) - len(skipped)} passed, {len(failed)} failed"
          f"{f', {len(skipped)} skipped (no saved results)' if skipped else ''}; executed copies in {out}")
    return 1 if failed else 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/*.ipynb)")
    parser.add_argument("--scale", default=os.environ.get("BLOCKWISE_SCALE", "smoke"), choices=SCALES)
    parser.add_argument("--out", default=str(ROOT / ".nb-out"), help="folder for the executed copies (default .nb-out)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds a cell may run (default 1800)")
    parser.add_argument("--html", action="store_true", help="also export each executed notebook to HTML")
    parser.add_argument("--gallery", metavar="DIR", help="run only notebooks with saved results (cpu / paper scale) and "
                        "write their figures' PNGs to DIR/<notebook>-<n>.png")
    return parser.parse_args()


def chromium_for_png():
    """The chromium the kernel renders PNG fallbacks with (lib/plot/png-renderer.ts), or None when it renders none."""
    if os.environ.get("BLOCKWISE_PLOT_PNG") == "0":
        return None
    exe = os.environ.get("BLOCKWISE_CHROMIUM") or "/usr/bin/chromium"
    return exe if os.path.exists(exe) else None


def describe_failure(nb, index, err):
    """The failing cell's position, first lines and stderr / error outputs, with the runner's own message."""
    kind = type(err).__name__
    lines = ["the cell failed" if kind == "CellExecutionError" else f"{kind}: {first_line(str(err))}"]
    if index is None:
        return "\n".join(lines + ["(before the first cell: the kernel did not start)"])
    cell = nb.cells[index]
    code_number = sum(1 for c in nb.cells[: index + 1] if c.cell_type == "code")
    source = cell.source.splitlines()
    lines.append(f"in cell {index} (code cell {code_number}):")
    lines += ["    " + s for s in source[:SOURCE_HEAD_LINES]]
    if len(source) > SOURCE_HEAD_LINES:
        lines.append(f"    ... ({len(source) - SOURCE_HEAD_LINES} more lines)")
    text = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream" and o.name == "stderr":
            text.append(o.text)
        elif o.output_type == "error":
            text.append("\n".join([f"{o.ename}: {o.evalue}"] + list(o.traceback)))
    body = ANSI.sub("", "".join(text)).rstrip()
    lines.append("cell stderr / error:" if body else "cell stderr / error: (none)")
    lines += ["    " + s for s in body.splitlines()]
    return "\n".join(lines)


def first_line(text):
    stripped = ANSI.sub("", text).strip()
    return stripped.splitlines()[0] if stripped else ""


def figure_outputs(nb):
    """(name, output) of every figure `display` showed, in notebook order."""
    found = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type in ("display_data", "execute_result") and PLOTLY_MIME in o.get("data", {}):
                name = o.get("metadata", {}).get(FIGURE_METADATA_KEY, {}).get("figure", "")
                found.append((name, o))
    return found


def check_figures(nb, chromium):
    """Problems with the figures the notebook promises in its metadata (blockwise_ssl.figures)."""
    promised = nb.metadata.get("blockwise_ssl", {}).get("figures", [])
    shown = figure_outputs(nb)
    names = [n for n, _ in shown]
    problems = []
    for name in promised:
        outputs = [o for n, o in shown if n == name]
        if not outputs:
            problems.append(f"figure '{name}' promised in the notebook metadata was not displayed (displayed: {names or 'none'})")
        elif chromium and not any("image/png" in o.data for o in outputs):
            problems.append(f"figure '{name}' has no PNG fallback although chromium is at {chromium} (see the cell's stderr)")
    return problems


def save_pngs(nb, folder):
    """Writes the PNG fallback of every displayed figure to folder/<figure>.png; returns the files written."""
    written = []
    for i, (name, o) in enumerate(figure_outputs(nb)):
        if "image/png" not in o.data:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or f"figure-{i + 1}"
        target = folder / f"{stem}.png"
        target.write_bytes(base64.b64decode(o.data["image/png"]))
        written.append(target)
    return written


def no_saved_results(nb, results_root, scale):
    """Why the notebook has no saved results at `scale` under results_root (nothing to show without training), or None."""
    experiment = nb.metadata.get("blockwise_ssl", {}).get("experiment")
    if not experiment:
        return "its metadata names no experiment (blockwise_ssl.experiment)"
    folder = results_root / scale / experiment
    if not (folder / "results.csv").exists():
        return f"no {folder / 'results.csv'}"
    try:
        saved_scale = json.loads((folder / "preset.json").read_text(encoding="utf-8")).get("scale")
    except (OSError, ValueError) as err:
        return f"{folder / 'preset.json'} cannot be read ({err})"
    if saved_scale != scale:
        return f"{folder / 'preset.json'} is a {saved_scale}-scale preset, not {scale}"
    return None


def save_gallery_pngs(nb, folder, stem):
    """Writes the notebook's figure PNGs to folder/<stem>-<n>.png (n from 1, display order), removing its earlier ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{stem}-*.png"):
        if re.fullmatch(rf"{re.escape(stem)}-\d+\.png", old.name):
            old.unlink()
    pngs = [o.data["image/png"] for _, o in figure_outputs(nb) if "image/png" in o.data]
    written = []
    for n, data in enumerate(pngs, start=1):
        target = folder / f"{stem}-{n}.png"
        target.write_bytes(base64.b64decode(data))
        written.append(target)
    return written


def export_html(nb, target):
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")


def indent(text):
    return "\n".join("    " + line for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
