"""``python -m bench.service``: the same as ``python -m bench service``."""

import sys

from bench.service import main

main(sys.argv[1:])
