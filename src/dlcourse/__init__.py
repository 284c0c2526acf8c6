"""dlcourse: run a university deep-learning course end to end.

Parts: ``dlcourse.course`` (the course as data), ``dlcourse.notes`` (scribe notes: parser,
checker, roster), ``dlcourse.site`` (the static website) and ``dlcourse.labs`` (PyTorch practicals).
"""

# the one place the version is written: pyproject.toml reads it from here ([tool.hatch.version])
__version__ = "0.1.0"
