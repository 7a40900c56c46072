import sys

from resetsim.cli import main

sys.exit(main())
