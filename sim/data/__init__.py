"""Real cascade data: loaders for the documented formats (see :mod:`sim.data.cascades`)."""

from sim.data.cascades import CascadeData, from_table, load_cascades

__all__ = ["CascadeData", "from_table", "load_cascades"]
