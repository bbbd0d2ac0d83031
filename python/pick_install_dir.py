# SPDX-License-Identifier: MIT
"""Print where to install the package: DEFAULT if this interpreter searches
it, else the first sys.path entry under PREFIX, else DEFAULT.

Usage: pick_install_dir.py PREFIX DEFAULT   (run by python/meson.build)
"""
import sys

prefix = sys.argv[1].rstrip("/") + "/"
default = sys.argv[2]
found = [p for p in sys.path if p.startswith(prefix) and p.endswith("-packages")]
print(default if default.rstrip("/") in sys.path or not found else found[0])
