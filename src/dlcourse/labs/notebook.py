"""Export a lab as a Jupyter notebook students can run and edit.

The notebook is the lab's own source, split at top-level definitions into cells (so there is one
source of truth), with markdown from the docstrings, followed by cells that run the lab and show its
figures.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from dlcourse.labs.catalogue import get_lab


def _source_cells(source: str) -> list[tuple[str, str]]:
    """``(kind, text)`` cells: the docstring as markdown, then one code cell per definition."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = list(tree.body)
    cells: list[tuple[str, str]] = []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        cells.append(("markdown", inspect.cleandoc(str(body[0].value.value))))
        body = body[1:]
    starts = [min([n.lineno, *(d.lineno for d in getattr(n, "decorator_list", []))]) for n in body]
    # Imports and constants stay together; every function or class gets a cell of its own.
    groups: list[list[int]] = []
    for i, node in enumerate(body):
        own = isinstance(node, ast.FunctionDef | ast.ClassDef)
        if own or not groups or groups[-1][-1] != i - 1 or _is_def(body[groups[-1][0]]):
            groups.append([i])
        else:
            groups[-1].append(i)
    for group in groups:
        first, last = group[0], group[-1]
        begin = starts[first] - 1
        # Carry comment lines just above the node into its cell.
        while begin > 0 and lines[begin - 1].lstrip().startswith("#"):
            begin -= 1
        end = body[last].end_lineno or starts[last]
        text = "\n".join(lines[begin:end]).strip("\n")
        node = body[first]
        if _is_def(node):
            doc = ast.get_docstring(node)
            heading = f"### `{node.name}`" + (f"\n\n{doc.splitlines()[0]}" if doc else "")
            cells.append(("markdown", heading))
        cells.append(("code", text))
    return cells


def _is_def(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef | ast.ClassDef)


def build_notebook(name: str, config: str = "quick", seed: int = 0, device: str = "auto"):
    """An ``nbformat`` v4 notebook of the lab."""
    import nbformat

    info = get_lab(name)
    import importlib.util

    spec = importlib.util.find_spec(info.module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(info.module)
    source = Path(spec.origin).read_text(encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    intro = (
        f"# {info.title}\n\n**Lesson.** {info.lesson}\n\n"
        f"Data: {info.data} (offline). Generated from `{info.module}` — the notebook is the lab's"
        " source, cell by cell. Change a setting in `cfg` below, or any function, and re-run."
    )
    cells = [nbformat.v4.new_markdown_cell(intro)]
    for kind, text in _source_cells(source):
        if kind == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            cells.append(nbformat.v4.new_code_cell(text))
    cells.append(
        nbformat.v4.new_markdown_cell(
            "## Run the lab\n\n`quick` takes seconds; `full` reproduces the course's numbers."
        )
    )
    cells.append(
        nbformat.v4.new_code_cell(
            "from dlcourse.labs.run_context import RunContext, seed_everything\n\n"
            f'ctx = RunContext.create(device="{device}", seed={seed}, out="{info.name}-out")\n'
            f"seed_everything(ctx.seed)\n"
            f'cfg = CONFIGS["{config}"]\n'
            "metrics = run(cfg, ctx)\n"
            "metrics"
        )
    )
    cells.append(
        nbformat.v4.new_code_cell(
            "from IPython.display import Image, display\n\n"
            "for path in ctx.figures:\n"
            "    display(Image(filename=str(path)))"
        )
    )
    nb.cells = cells
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["dlcourse"] = {"lab": info.name, "config": config, "seed": seed}
    return nb


def write_notebook(name: str, path: str | Path | None = None, **kwargs: object) -> Path:
    """Write ``NAME.ipynb`` (or ``path``) and return where it went."""
    import nbformat

    info = get_lab(name)
    target = Path(path) if path is not None else Path(f"{info.module_name}.ipynb")
    nb = build_notebook(name, **kwargs)  # type: ignore[arg-type]
    nbformat.validate(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))
    return target
