"""Wire formats: pure request builders and response parsers, separate from auth and clients."""
