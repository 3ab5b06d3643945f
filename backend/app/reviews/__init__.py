"""The review queue: people decide on rows one at a time, then apply the decisions as one version."""
