"""Signals of the registry, for the apps above it: they listen, the registry (and imports) never import them."""

from django.dispatch import Signal

# Many households changed at once (an import): listeners recompute what they derive from the registry
# (analytics queues its rollups). Sent with ``sender`` the module and ``regions`` the village codes touched.
households_changed = Signal()

# The yearly cycle (``registry.yearcycle``). ``year_open_items``: sent with ``county`` (code) and ``year``; each
# receiver returns a list of ``yearcycle.OpenItems`` — what its app still has open there (a year is not closed
# while any is). ``year_closed``: a county closed a year (after the commit); analytics writes its snapshot and
# rollup.
year_open_items = Signal()
year_closed = Signal()
