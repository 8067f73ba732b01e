"""Register the built-in adapters (every folder of nadzor/adapters with a metadata.yml) through the hook."""

from __future__ import annotations

from pathlib import Path

from nadzor.hookspecs import hookimpl

__all__ = ["register_adapters", "BUILTIN_FOLDER"]

BUILTIN_FOLDER = Path(__file__).resolve().parent


@hookimpl
def register_adapters():
    from nadzor.adapters.base import adapter_from_folder

    return [adapter_from_folder(p.parent) for p in sorted(BUILTIN_FOLDER.glob("*/metadata.yml"))]
