"""Source adapters: one folder per source (``nadzor/adapters/<name>/metadata.yml`` and, when the source needs
more than a column mapping, an ``adapter.py`` with ``convert(path, meta, *, data=None, sheet=None)``).

Built-in adapters register through the ``register_adapters`` hook exactly like a third-party pack's.
"""

from __future__ import annotations

from nadzor.adapters.base import Adapter, adapter_from_folder, get_adapter, list_adapters
from nadzor.adapters.metadata import AdapterMetadata, load_metadata

__all__ = ["Adapter", "AdapterMetadata", "adapter_from_folder", "get_adapter", "list_adapters", "load_metadata"]
