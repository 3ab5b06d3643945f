"""Prompt sets: the user's own prompts, uploaded from a file, which relabel jobs answer."""
