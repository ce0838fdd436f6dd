"""The investigator's and reviewer's workbench in the browser (issue 13, ADR 0034).

Server-rendered pages (Jinja2, autoescaped) under ``/workbench/``, served by ``idgraph serve``
beside the API, with a small amount of vendored JavaScript (htmx, and our own keyboard
shortcuts); every asset ships in the package. ``mount_workbench(app, service)`` mounts it.
"""

from .app import build_workbench, mount_workbench

__all__ = ["build_workbench", "mount_workbench"]
