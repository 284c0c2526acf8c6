"""dlcourse: run a university deep-learning course end to end.

Parts: ``dlcourse.course`` (the course as data), ``dlcourse.notes`` (scribe notes: parser,
checker, roster), ``dlcourse.site`` (the static website) and ``dlcourse.labs`` (PyTorch practicals).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dlcourse")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
