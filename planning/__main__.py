import sys

from planning.cli import main

sys.exit(main())
