"""Seed amplification, the engine behind :func:`distillation.distill`: a few input/output pairs, the
teacher's chain of thought for each, a task policy, then many new pairs in a sliding window, every
answer cached by request fingerprint.
"""
