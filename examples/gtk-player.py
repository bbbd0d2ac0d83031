#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A GTK 3 player that shows the live mel spectrogram of what it plays.

    examples/gtk-player.py [FILE] [melspecx live options]

Plays FILE (or listens to the microphone when no file is given) and draws
`melspecx mode=stream` in the window, with play/pause, a seek slider and a
colormap chooser.  The window is the melspecx package's (melspecx.player),
the same as `melspecx live [FILE]`; this script only runs it, so its
options and errors are that command's (--help lists them).

Needs PyGObject with GTK 3 (Debian: gir1.2-gtk-3.0) and gtksink
(gstreamer1.0-gtk3); run it from a build tree with
`meson devenv -C build -w . /usr/bin/python3 examples/gtk-player.py FILE`.
"""

import sys
from pathlib import Path

try:
    from melspecx.cli import main
except ImportError:               # a source checkout without `meson devenv`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))
    from melspecx.cli import main

if __name__ == "__main__":
    sys.exit(main(["live", *sys.argv[1:]]))
