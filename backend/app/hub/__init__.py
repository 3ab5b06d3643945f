"""Pushing dataset versions to a Hugging Face Hub, with the Hub token stored encrypted like provider keys."""
