"""`python -m monitor` runs the `hf-monitor` command line."""

from .cli import main

raise SystemExit(main())
