"""web stage: the read-only web app, JSON API and feeds over a store (see nadzor.web.app).

Importing this package stays cheap (it is loaded for the `web-index` analysis step); the web framework is
imported only when serving.
"""

from __future__ import annotations

__all__ = ["serve"]


def serve(store_path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the store at ``store_path`` read-only on http://host:port until interrupted (used by `make demo`)."""
    from nadzor.web.app import serve as run

    run(store_path, host=host, port=port)
