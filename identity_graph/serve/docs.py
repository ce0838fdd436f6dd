"""Interactive API docs at ``/docs`` with no request leaving the machine.

FastAPI's default page loads Swagger UI from a CDN; here its files come from the
``swagger-ui-py`` package (Swagger UI 5, which renders OpenAPI 3.1), served under
``/static/swagger-ui``, and the online validator badge is off.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from ..errors import IdentityGraphError

__all__ = ["install_docs", "swagger_ui_dir", "STATIC_PREFIX"]

STATIC_PREFIX = "/static/swagger-ui"


def swagger_ui_dir() -> Path:
    """The folder of Swagger UI's files inside the installed ``swagger-ui-py`` package (found
    without importing the package, whose code is for other frameworks)."""
    spec = importlib.util.find_spec("swagger_ui")
    folder = Path(spec.origin).parent / "static" if spec and spec.origin else None
    if folder is None or not (folder / "swagger-ui-bundle.js").is_file():
        raise IdentityGraphError("Swagger UI's files are missing: reinstall identity-graph (it needs swagger-ui-py)")
    return folder


def install_docs(app: FastAPI) -> None:
    app.mount(STATIC_PREFIX, StaticFiles(directory=swagger_ui_dir()), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title}: API",
            swagger_js_url=f"{STATIC_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_PREFIX}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
        )
