"""`python -m perumig`: the command line."""

from perumig.pipeline.entry import run

run()
