"""Signals of the registry, for the apps above it: they listen, the registry (and imports) never import them."""

from django.dispatch import Signal

# Many households changed at once (an import): listeners recompute what they derive from the registry
# (analytics queues its rollups). Sent with ``sender`` the module and ``regions`` the village codes touched.
households_changed = Signal()
