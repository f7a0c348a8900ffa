"""`python -m perumig`: the command line."""

import sys

from perumig.pipeline.entry import main

sys.exit(main())
