"""`python -m perumig`: the command line."""

import sys

from perumig.pipeline.cli import main

sys.exit(main())
