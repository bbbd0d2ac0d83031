#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run the README's examples as a reader would, from the build tree.

Every shell line of the sections "Using it", "Building by hand" and
"Python and the command" that runs gst-launch-1.0, gst-inspect-1.0,
melspecx or `meson devenv`, and every Python block there, is run in a
folder of generated audio (song.mp3, a.flac, music/*.flac...): lines that
start with `meson devenv -C build` verbatim (with this build directory),
the others through `meson devenv -C BUILD -w .` as the README says.  Each
must exit 0 and write the PNGs it names.  Live lines (a microphone, a
window; a Dask cluster on other hosts) are reported as skipped.

Usage: check_readme.py MESON SOURCE_DIR BUILD_DIR     Prints TAP.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

MESON, SOURCE, BUILD = sys.argv[1:4]
SECTIONS = ("Using it", "Building by hand", "Python and the command")
COMMANDS = ("gst-launch-1.0", "gst-inspect-1.0", "melspecx", "meson")
INPUTS = {"song.mp3": "lamemp3enc", "song.flac": "flacenc",
          "a.wav": "wavenc", "a.flac": "flacenc", "a.mp3": "lamemp3enc",
          "music/one.flac": "flacenc", "music/two.flac": "flacenc"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NPY_MAGIC = b"\x93NUMPY"


def blocks(text):
    """(language, code) of the fenced blocks in SECTIONS."""
    found = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title = section.split("\n", 1)[0].strip()
        if title in SECTIONS:
            found += re.findall(r"^```(\w+)\n(.*?)^```", section,
                                flags=re.M | re.S)
    return found


def examples(text):
    """(kind, code) to run: shell lines (continuations joined) and Python
    blocks."""
    result = []
    for lang, code in blocks(text):
        if lang == "python":
            result.append(("python", code))
            continue
        for line in code.replace("\\\n", " ").splitlines():
            words = line.split()
            if not words or words[0] not in COMMANDS:
                continue
            if words[0] == "meson" and words[1:2] != ["devenv"]:
                continue
            result.append(("sh", line))
    return result


def make_inputs(folder):
    for name, encoder in INPUTS.items():
        path = folder / name
        path.parent.mkdir(exist_ok=True)
        subprocess.run(["gst-launch-1.0", "-q", "audiotestsrc",
                        "wave=pink-noise", "num-buffers=40", "!",
                        "audioconvert", "!", encoder, "!", "filesink",
                        f"location={path}"], check=True, timeout=60)


def command(kind, code):
    """The argv that runs one example the README's way."""
    devenv = [MESON, "devenv", "-C", BUILD, "-w", "."]
    if kind == "python":
        return devenv + ["/usr/bin/python3", "-c", code]
    if code.startswith("meson devenv -C build "):
        code = code.replace("meson devenv -C build ",
                            f"{shlex.quote(MESON)} devenv -C "
                            f"{shlex.quote(BUILD)} ", 1)
        return ["/bin/sh", "-c", code]
    return devenv + ["/bin/sh", "-c", code]


def expected_outputs(code, folder):
    """The PNG files an example names, and for batch the outputs of each
    input file (.png, or .npy with --format npy, or both)."""
    names = set(re.findall(r"[\w./-]+\.png", code))
    words = code.split()
    if "batch" in words:
        i = words.index("batch")
        out = folder / words[i + 2]
        fmt = words[words.index("--format") + 1] if "--format" in words \
            else "png"
        suffixes = {"png": [".png"], "npy": [".npy"],
                    "both": [".png", ".npy"]}[fmt]
        names |= {str(out / (Path(f).stem + suffix)) for suffix in suffixes
                  for f in INPUTS if f.startswith(words[i + 1] + "/")}
    return [folder / name for name in names]


def written(path):
    """Whether ``path`` exists and starts as its kind of file should."""
    magic = NPY_MAGIC if path.suffix == ".npy" else PNG_MAGIC
    return path.exists() and path.read_bytes()[:len(magic)] == magic


def run_one(number, kind, code, folder):
    # No '#' in a TAP description: it would start a directive.
    name = " ".join(code.replace("#", "").split())[:90]
    if "autoaudiosrc" in code or "melspecx live" in code:
        print(f"ok {number} - {name} # SKIP needs a microphone and a window")
        return True
    if "--scheduler tcp://HOST" in code:
        print(f"ok {number} - {name} # SKIP needs a Dask cluster on other "
              "hosts (tests/python/test_dask.py runs one here)")
        return True
    for old in folder.rglob("*.png"):
        old.unlink()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GST_PLUGIN", "PYTHONPATH"))}
    out = subprocess.run(command(kind, code), cwd=folder, env=env,
                         capture_output=True, text=True, timeout=300)
    missing = [str(p.relative_to(folder))
               for p in expected_outputs(code, folder) if not written(p)]
    ok = out.returncode == 0 and not missing
    print(f"{'ok' if ok else 'not ok'} {number} - {name}")
    if not ok:
        for line in (f"exit {out.returncode}, missing {missing}\n"
                     + out.stdout[-800:] + out.stderr[-800:]).splitlines():
            print(f"# {line}")
    return ok


def main():
    todo = examples((Path(SOURCE) / "README.md").read_text())
    print(f"1..{len(todo) + 1}")
    print(f"{'ok' if len(todo) >= 10 else 'not ok'} 1 - the README's "
          f"sections hold {len(todo)} examples")
    with tempfile.TemporaryDirectory(prefix="melspecx-readme-") as name:
        folder = Path(name)
        make_inputs(folder)
        results = [run_one(i, kind, code, folder)
                   for i, (kind, code) in enumerate(todo, 2)]
    return 0 if all(results) and len(todo) >= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
