"""Serving the dashboard: Solara's server (Starlette on uvicorn), set up for a
machine without a network.

Solara's front end (Vue, Vuetify, fonts, require.js) normally loads from a
CDN.  With ``solara-assets`` installed (pinned in the ``viz`` extra, same
version as Solara) those files sit in ``<prefix>/share/solara/cdn`` and
Solara's asset proxy serves them from the app's own address
(``/_solara/cdn/...``); the page then names no other host.  The settings
below keep it so: production mode (no version check, no page loaded from
solara.dev), no telemetry, the plain loader (no outside links), and a CDN
address on the loopback that refuses connections, so that a file missing
from the local copy fails at once instead of being fetched.

Nothing here imports Solara at module level: the rest of the command line
never needs the ``viz`` extra.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import socket
import sys
import warnings
from collections.abc import MutableMapping

#: The module holding the dashboard's ``Page`` component.
APP_MODULE = "resetsim.app.page"
#: What to tell a user who lacks the extra.
INSTALL_HINT = 'pip install "resetsim[viz]"'
#: Solara's settings (read from the environment when Solara is imported).
SOLARA_ENV: dict[str, str] = {
    "SOLARA_APP": APP_MODULE,
    "SOLARA_MODE": "production",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_ASSETS_PROXY": "true",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "SOLARA_THEME_LOADER": "plain",
    "SOLARA_THEME_SHOW_BANNER": "false",
    "SOLARA_THEME_TITLE": "resetsim dashboard",
    "MPLBACKEND": "Agg",
}
#: Importable modules the dashboard needs (from the ``viz`` extra).
VIZ_MODULES: tuple[str, ...] = ("solara", "solara_assets", "altair", "networkx", "uvicorn")


def missing_viz() -> str | None:
    """Why the dashboard cannot run in this environment, or None when it can."""
    for name in VIZ_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a broken or half-removed install
            found = False
        if not found:
            return f"{name} is not installed"
    for dist in ("ipyvuetify", "ipyvue"):
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return f"{dist} is not installed"
        if int(version.split(".")[0]) >= 3:
            return f"{dist} {version} is installed, Mesa 3.3's dashboard needs a 1.x"
    return None


def configure(environ: MutableMapping[str, str] | None = None) -> None:
    """Put :data:`SOLARA_ENV` into the environment (before Solara is imported)."""
    environ = os.environ if environ is None else environ
    environ.update(SOLARA_ENV)


def free_port(host: str, port: int) -> int:
    """``port`` if it can be bound on ``host`` (a free one when ``port`` is 0);
    ``OSError`` otherwise."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        s.bind((host, port))
        return int(s.getsockname()[1])


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run the dashboard's server until interrupted (blocks)."""
    configure()
    # Mesa 3.3's ComponentsView trips Solara's hook checker (a component we do
    # not use), and Solara warns about cookies on plain http: neither concerns
    # a user of the dashboard
    warnings.filterwarnings("ignore", message=r".*ComponentsView.*", category=UserWarning)
    warnings.filterwarnings("ignore", message=r"Cookies with samesite", category=UserWarning)
    import uvicorn  # deferred: only with the viz extra

    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    config = uvicorn.Config(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    print(f"resetsim dashboard at http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    uvicorn.Server(config).run()
    sys.stdout.flush()
