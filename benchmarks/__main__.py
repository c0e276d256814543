"""``python -m benchmarks``: the same as ``holdfast bench`` (service/bench/ holds the code, so
the installed command has it too)."""

import sys

from service.bench.run import main

sys.exit(main())
