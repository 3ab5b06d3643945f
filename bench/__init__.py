"""Benchmarks of the engine's hot path: ``python -m bench`` (or ``make bench``) prints the numbers.

Everything runs against the fake provider server on 127.0.0.1, in its own process pinned to one core
while the client is pinned to another, so client CPU is measured without the server's.
"""
