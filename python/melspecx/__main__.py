# SPDX-License-Identifier: MIT
"""``python3 -m melspecx``: the melspecx command."""

import sys

from .cli import main

sys.exit(main())
