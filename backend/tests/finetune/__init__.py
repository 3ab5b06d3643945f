"""Tests of fine-tune runs."""
