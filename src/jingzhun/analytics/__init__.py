"""Analytics (省市有平台): poverty and inequality measures, and later the indicator layer and rollups."""
