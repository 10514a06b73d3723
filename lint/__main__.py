import sys

from .rules import main

sys.exit(main())
