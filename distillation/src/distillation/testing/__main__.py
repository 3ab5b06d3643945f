"""`python -m distillation.testing --port 8765 --latency 0.2`: the fake provider in the foreground."""

from distillation.testing.fake_server import main

main()
