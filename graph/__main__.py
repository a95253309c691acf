import sys

from pcmh_kg.cli import main

sys.exit(main())
