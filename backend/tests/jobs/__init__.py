"""Tests of the jobs domain."""
