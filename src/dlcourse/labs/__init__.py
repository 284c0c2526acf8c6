"""``dlcourse.labs``: the course's PyTorch practicals as small, tested modules.

Importing this package does not import torch; the catalogue (:mod:`dlcourse.labs.catalogue`) is
plain data. Run a lab with :func:`dlcourse.labs.runner.run_lab` or ``dlcourse lab run NAME``.
"""

from dlcourse.labs.catalogue import LABS, LabInfo, get_lab, lab_names

__all__ = ["LABS", "LabInfo", "get_lab", "lab_names"]
