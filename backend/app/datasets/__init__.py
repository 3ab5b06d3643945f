"""Datasets and their examples: upload, browse, edit (as new versions), compare versions, export."""
