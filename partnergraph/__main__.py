"""`python -m partnergraph` runs the command line."""
import sys

from partnergraph.cli import main

sys.exit(main())
