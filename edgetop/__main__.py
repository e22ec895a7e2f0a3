"""Allow ``python -m edgetop``."""

from edgetop.cli import main

raise SystemExit(main())
