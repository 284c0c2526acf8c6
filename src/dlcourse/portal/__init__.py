"""The course portal: students hand in homework and see their feedback and grades; staff grade.

A Starlette application over the gradebook (:mod:`dlcourse.grades`) and the homework part
(:mod:`dlcourse.homework`), served by uvicorn (``dlcourse portal``). Needs the ``portal`` extra.
See ``docs/portal.md``.
"""

from dlcourse.portal.app import create_app
from dlcourse.portal.config import PortalConfig, PortalConfigError, settings_from_environment

__all__ = ["PortalConfig", "PortalConfigError", "create_app", "settings_from_environment"]
