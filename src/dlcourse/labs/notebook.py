"""Export a lab as a Jupyter notebook that stands alone: plain PyTorch, no ``dlcourse`` import.

The notebook is the lab's own source, split into cells at top-level definitions, each with its
docstring as prose: data, model, the training loop, evaluation, figures. What the lab imports from
the rest of ``dlcourse.labs`` (a data loader, a plotting helper, ``accuracy``) is pasted in before
it, found by following the names the lab uses, so the notebook runs wherever PyTorch and
matplotlib do. The run context is the one-process version (:mod:`dlcourse.labs.notebook_context`),
and the loop reads as the course wrote it: ``ctx.backward(loss)`` and ``ctx.step(optimizer)``,
which on the command line also handle fp16 loss scaling, become ``loss.backward()`` and
``optimizer.step()``.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

from dlcourse.labs.catalogue import LabInfo, get_lab

PACKAGE = "dlcourse.labs"
# The command line's context becomes the notebook's own, one-process context.
SUBSTITUTES = {f"{PACKAGE}.run_context": f"{PACKAGE}.notebook_context"}
_BACKWARD = re.compile(r"\bctx\.backward\(([^()]*(?:\([^()]*\))?[^()]*)\)")
_STEP = re.compile(r"\bctx\.step\((\w+)\)")


@dataclass(frozen=True)
class Definition:
    """One top-level statement of a module that defines ``names``, with its source text."""

    module: str
    names: tuple[str, ...]
    source: str
    node: ast.stmt


@dataclass
class ModuleSource:
    name: str
    tree: ast.Module
    lines: list[str]
    definitions: dict[str, Definition]  # name → the statement that defines it
    internal_imports: dict[str, tuple[str, str]]  # local name → (module, name there)
    external_imports: list[str]  # import statements of other packages, as written


def _module_source(name: str) -> ModuleSource:
    name = SUBSTITUTES.get(name, name)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(name)
    text = Path(spec.origin).read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    definitions: dict[str, Definition] = {}
    internal: dict[str, tuple[str, str]] = {}
    external: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            for alias in node.names:
                internal[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if not (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
                external.append(ast.get_source_segment(text, node) or "")
        else:
            names = _defined_names(node)
            if names:
                definition = Definition(name, names, _segment(node, lines), node)
                for defined in names:
                    definitions[defined] = definition
    return ModuleSource(name, tree, lines, definitions, internal, external)


def _defined_names(node: ast.stmt) -> tuple[str, ...]:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return (node.name,)
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    # ``PAD, UNK = "<pad>", "<unk>"`` defines both names: unpack tuple and list targets
    flat: list[ast.expr] = []
    while targets:
        target = targets.pop(0)
        if isinstance(target, ast.Tuple | ast.List):
            targets = [*target.elts, *targets]
        else:
            flat.append(target)
    return tuple(t.id for t in flat if isinstance(t, ast.Name) and t.id != "__all__")


def _segment(node: ast.stmt, lines: list[str]) -> str:
    """The node's lines, decorators and the comment lines just above it included."""
    decorators = getattr(node, "decorator_list", [])
    begin = min([node.lineno, *(d.lineno for d in decorators)]) - 1
    while begin > 0 and lines[begin - 1].lstrip().startswith("#"):
        begin -= 1
    end = node.end_lineno or node.lineno
    return "\n".join(lines[begin:end]).strip("\n")


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


class _Bundle:
    """The helper definitions a lab needs, in an order where each comes after what it uses."""

    def __init__(self) -> None:
        self.modules: dict[str, ModuleSource] = {}
        self.ordered: list[Definition] = []
        self.done: set[tuple[str, str]] = set()
        self.imports: list[str] = []

    def module(self, name: str) -> ModuleSource:
        name = SUBSTITUTES.get(name, name)
        if name not in self.modules:
            self.modules[name] = _module_source(name)
            for statement in self.modules[name].external_imports:
                if statement not in self.imports:
                    self.imports.append(statement)
        return self.modules[name]

    def need(self, module_name: str, name: str) -> None:
        key = (SUBSTITUTES.get(module_name, module_name), name)
        if key in self.done:
            return
        self.done.add(key)
        module = self.module(module_name)
        if name in module.internal_imports:
            self.need(*module.internal_imports[name])
            return
        definition = module.definitions.get(name)
        if definition is None:
            raise LookupError(f"{name} is not defined at the top of {module_name}")
        self.uses(module, definition.node)
        if definition not in self.ordered:
            self.ordered.append(definition)

    def uses(self, module: ModuleSource, node: ast.AST) -> None:
        """Pull in every helper ``node`` refers to (module-level names and imports)."""
        for used in sorted(_used_names(node)):
            if used in module.internal_imports:
                self.need(*module.internal_imports[used])
            elif used in module.definitions and module.definitions[used].node is not node:
                self.need(module.name, used)


def _source_cells(lab: ModuleSource) -> list[tuple[str, str]]:
    """``(kind, text)``: per definition of the lab, its docstring as prose, then its code."""
    cells: list[tuple[str, str]] = []
    body = [n for n in lab.tree.body if not isinstance(n, ast.Import | ast.ImportFrom)]
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the module docstring is the notebook's introduction
    group: list[ast.stmt] = []

    def flush() -> None:
        if group:
            cells.append(("code", "\n\n".join(_segment(n, lab.lines) for n in group)))
            group.clear()

    for node in body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            flush()
            cells.append(("markdown", _heading(node)))
            cells.append(("code", _teaching_loop(_segment(node, lab.lines))))
        else:
            group.append(node)  # constants and configs stay together in one cell
    flush()
    return cells


def _heading(node: ast.FunctionDef | ast.ClassDef) -> str:
    doc = ast.get_docstring(node)
    kind = "class" if isinstance(node, ast.ClassDef) else "function"
    heading = f"### `{node.name}` ({kind})"
    return f"{heading}\n\n{doc}" if doc else heading


def _teaching_loop(code: str) -> str:
    """The loop as the course writes it: one process in fp32 needs no loss scaling."""
    code = _BACKWARD.sub(lambda m: f"{m.group(1).strip()}.backward()", code)
    return _STEP.sub(lambda m: f"{m.group(1)}.step()", code)


def _config_table(module: object, config: str) -> str:
    cfg = module.CONFIGS[config]  # type: ignore[attr-defined]
    rows = [f"| `{f.name}` | `{getattr(cfg, f.name)!r}` |" for f in dataclasses.fields(cfg)]
    return "| setting | value |\n|---|---|\n" + "\n".join(rows)


def notebook_cells(name: str, config: str = "quick", seed: int = 0) -> list[tuple[str, str]]:
    """Every cell of the lab's notebook as ``(kind, text)`` (kind: markdown or code)."""
    info: LabInfo = get_lab(name)
    module = importlib.import_module(info.module)
    lab = _module_source(info.module)
    bundle = _Bundle()
    bundle.modules[lab.name] = lab
    bundle.imports.extend(lab.external_imports)
    for node in lab.tree.body:
        bundle.uses(lab, node)
    for name_used_by_the_run_cell in ("RunContext", "seed_everything"):
        bundle.need(f"{PACKAGE}.run_context", name_used_by_the_run_cell)
    helpers = [d for d in bundle.ordered if d.module != lab.name]
    intro = inspect.cleandoc(module.__doc__ or "")
    cells: list[tuple[str, str]] = [
        (
            "markdown",
            f"# {info.title}\n\n**What you will learn.** {info.lesson}\n\n{intro}\n\n"
            f"*Data:* {info.data} — nothing is downloaded. This notebook stands alone: it needs "
            "PyTorch, NumPy and matplotlib (and the packages its data helpers import), not "
            "`dlcourse`. Run the cells from top to bottom; then change a setting or a function "
            "and run again.",
        ),
        (
            "markdown",
            "## Set-up\n\nThe libraries every cell below uses. Seeding the random numbers makes "
            "each run of the notebook give the same numbers.",
        ),
        ("code", "\n".join(["from __future__ import annotations", "", *bundle.imports])),
    ]
    if helpers:
        sources = sorted({d.module.rsplit(".", 1)[-1] for d in helpers})
        cells.append(
            (
                "markdown",
                "## Helpers\n\nSmall pieces this lab shares with others (from "
                + ", ".join(f"`{s}`" for s in sources)
                + "): the run context `ctx` (where tensors live, how batches are cut, where "
                "figures go), data loaders and plotting. Read them once; the lab proper starts "
                "after them.",
            )
        )
        for definition in helpers:
            node = definition.node
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                cells.append(("markdown", _heading(node)))
            cells.append(("code", definition.source))
    cells.append(
        (
            "markdown",
            "## The lab\n\nData, model, the training loop — forward, loss, zero the gradients, "
            "backward, step — evaluation and figures, each defined in the cells below and run "
            "together by `run` at the end.",
        )
    )
    cells.extend(_source_cells(lab))
    cells.append(
        (
            "markdown",
            f"## Run it\n\n`CONFIGS['{config}']` is the setting this notebook runs "
            "(`quick` takes seconds on a laptop; `full` is the course's setting, minutes at "
            f"most):\n\n{_config_table(module, config)}\n\nChange one with "
            "`dataclasses.replace(cfg, epochs=…)` and run the cell again.",
        )
    )
    cells.append(
        (
            "code",
            f'ctx = RunContext(seed={seed}, out="{info.name}-out")\n'
            "seed_everything(ctx.seed)\n"
            f'cfg = CONFIGS["{config}"]\n'
            "metrics = run(cfg, ctx)\n"
            "metrics",
        )
    )
    cells.append(
        (
            "markdown",
            f"## What you should see\n\n{info.lesson} The numbers above are the evidence; the "
            "figures below show it.",
        )
    )
    cells.append(
        (
            "code",
            "from IPython.display import Image, display\n\n"
            "for path in ctx.figures:\n"
            "    display(Image(filename=str(path)))",
        )
    )
    return cells


def build_notebook(name: str, config: str = "quick", seed: int = 0):
    """An ``nbformat`` v4 notebook of the lab."""
    import nbformat

    info = get_lab(name)
    nb = nbformat.v4.new_notebook()
    for kind, text in notebook_cells(name, config, seed):
        maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(maker(text))
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
