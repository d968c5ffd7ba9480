"""`python -m nndl.sections.s7_2_batch_size`（与 `python -m nndl.sweep` 相同）：见 `cli`。"""

import sys

from .cli import main

sys.exit(main())
