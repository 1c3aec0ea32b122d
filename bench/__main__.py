"""`make bench`: python -m bench [--sizes ...] [--conflict-rate R] [--quick]."""

from bench.run import main

raise SystemExit(main())
