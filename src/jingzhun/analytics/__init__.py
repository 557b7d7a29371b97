"""Analytics (省市有平台): indicators written once as Ibis expressions, run on DuckDB over Parquet snapshots,
on PostgreSQL or on PySpark; rollups for the five levels; dashboards; poverty and inequality measures."""
