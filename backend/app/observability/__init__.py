"""Prometheus metrics of the API and the workers, and the database-derived gauges the API serves."""
