"""The catalogue is plain data that matches the lab modules."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys

import pytest

from dlcourse.labs.catalogue import LABS, get_lab, lab_names

COURSE_LABS = {
    "logic-neurons", "tensors", "space-stretching", "autograd", "spiral", "regression", "convnet",
    "listening-to-kernels", "sequence-classification", "echo", "autoencoder", "vae",
    "regularisation", "bayesian-nn", "truck-backer-upper", "transformer", "gated-gcn",
}  # fmt: skip


def test_all_seventeen_course_labs_and_the_extras_are_listed() -> None:
    names = set(lab_names())
    assert names >= COURSE_LABS
    assert {"projections", "optimisers"} <= names
    assert len(names) == len(LABS)  # no duplicates
    assert sum(1 for lab in LABS if lab.notebook_2020) == 17


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_each_module_has_docstring_configs_and_run(lab) -> None:
    module = importlib.import_module(lab.module)
    assert module.__doc__ and len(module.__doc__) > 150, "the docstring explains the lesson"
    assert set(module.CONFIGS) == {"quick", "full"}
    assert dataclasses.is_dataclass(module.CONFIGS["quick"])
    assert callable(module.run)
    assert module.run.__annotations__, "public functions carry type hints"


def test_lookup_accepts_module_names_and_explains_unknown_ones() -> None:
    assert get_lab("gated_gcn").name == "gated-gcn"
    with pytest.raises(KeyError, match="known labs"):
        get_lab("no-such-lab")


@pytest.mark.slow
def test_catalogue_and_lab_list_work_without_torch(child_env) -> None:
    # A meta-path hook makes `import torch` fail, as on a machine without the labs extra.
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'matplotlib'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import typer\n"
        "from typer.testing import CliRunner\n"
        "from dlcourse.cli.lab_cmds import register\n"
        "app = typer.Typer()\n"
        "@app.callback()\n"
        "def root(): pass\n"
        "register(app)\n"
        "result = CliRunner().invoke(app, ['lab', 'list'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'gated-gcn' in result.output and 'spiral' in result.output\n"
        "assert 'torch' not in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**child_env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
