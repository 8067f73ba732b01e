"""Source adapters: one folder per source (``nadzor/adapters/<name>/metadata.yml`` and, when the source needs
more than a column mapping, an ``adapter.py`` with ``convert(path, meta, *, data=None, sheet=None)``).

Built-in adapters register through the ``register_adapters`` hook exactly like a third-party pack's.
"""

from __future__ import annotations

from nadzor._lazy import lazy_attributes

__all__ = ["Adapter", "AdapterMetadata", "adapter_from_folder", "get_adapter", "list_adapters", "load_metadata"]

# Imported when first used: the CLI loads every plugin (this package among them) at start, and the metadata
# model (pydantic) costs about 0.2 s that a command which reads no adapter should not pay.
__getattr__ = lazy_attributes(__name__, {
    "Adapter": "nadzor.adapters.base",
    "adapter_from_folder": "nadzor.adapters.base",
    "get_adapter": "nadzor.adapters.base",
    "list_adapters": "nadzor.adapters.base",
    "AdapterMetadata": "nadzor.adapters.metadata",
    "load_metadata": "nadzor.adapters.metadata",
})
