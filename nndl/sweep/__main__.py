"""`python -m nndl.sweep`：见 `nndl.sweep.cli`。"""

import sys

from .cli import main

sys.exit(main())
