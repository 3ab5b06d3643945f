"""The OpenAI-compatible endpoint: tuned students served at ``/v1``."""
