#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`meson install` into a temporary DESTDIR, then check that each installed
part lands where the system finds it without any environment variable:
the plugin in the directory GStreamer scans, the package on
/usr/bin/python3's default sys.path, the command on the default PATH.
Then run what was installed: gst-inspect-1.0 loads the plugin, and the
installed command renders a PNG through the installed package.

Usage: check_install.py MESON BUILD_DIR PLUGINDIR_OPTION PYTHON(yes|no)
Prints TAP.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MESON, BUILD, PLUGINDIR_OPTION, WITH_PYTHON = sys.argv[1:5]
# Built with Vulkan, the plugin opens its Vulkan backend from this module
# in its own directory.
VULKAN_MODULE = "libmelspecx-vulkan.so.0"
WITH_VULKAN = (Path(BUILD) / "gst" / VULKAN_MODULE).exists()
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {name}")
    if not ok and detail:
        for line in str(detail).splitlines():
            print(f"# {line}")


def run(cmd, env=None, **kw):
    return subprocess.run(cmd, env=env, capture_output=True, text=True,
                          timeout=300, **kw)


def installed(dest, pattern):
    """The one file under DEST matching PATTERN, as (absolute path in
    DEST, path on the target system)."""
    found = sorted(dest.rglob(pattern))
    if len(found) != 1:
        return None, None
    return found[0], "/" + str(found[0].relative_to(dest))


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GST_", "PYTHON", "LD_PRELOAD"))}
    env.update(extra)
    return env


def system_plugin_dir(env):
    """Where GStreamer's own core elements live: the directory it scans."""
    out = run(["gst-inspect-1.0", "coreelements"], env=env).stdout
    for line in out.splitlines():
        if line.strip().startswith("Filename"):
            return os.path.dirname(line.split(None, 1)[1].strip())
    return None


def login_path():
    """PATH of a fresh login shell: what a new user's terminal has."""
    return run(["env", "-i", "/bin/sh", "-lc", 'echo "$PATH"']).stdout \
        .strip().split(":")


def check_plugin(dest, tmp):
    plugin, target = installed(dest, "libgstmelspecx.so")
    env = clean_env(GST_REGISTRY_1_0=str(tmp / "system.bin"))
    want = PLUGINDIR_OPTION or system_plugin_dir(env)
    # realpath: /lib is /usr/lib on a merged-/usr system.
    same = target is not None and want is not None and \
        os.path.realpath(os.path.dirname(target)) == os.path.realpath(want)
    where = "-Dplugindir" if PLUGINDIR_OPTION else "GStreamer's plugin directory"
    check(f"the plugin is installed in {where} ({want})", same, f"installed as {target}")
    if plugin is None:
        return None
    env = clean_env(GST_PLUGIN_PATH=str(plugin.parent),
                    GST_REGISTRY_1_0=str(tmp / "registry.bin"))
    out = run(["gst-inspect-1.0", "melspecx"], env=env)
    check("gst-inspect-1.0 melspecx loads the installed plugin",
          out.returncode == 0 and str(plugin) in out.stdout,
          out.stdout[-500:] + out.stderr[-500:])
    if WITH_VULKAN:
        module = plugin.parent / VULKAN_MODULE
        check(f"the Vulkan module is installed beside the plugin ({module})",
              module.is_file())
        out = run(["gst-launch-1.0", "-q", "audiotestsrc", "num-buffers=4",
                   "!", "melspecx", "backend=vulkan", "!", "fakesink"],
                  env=env)
        check("the installed plugin opens it: backend=vulkan plays",
              out.returncode == 0, out.stdout[-500:] + out.stderr[-500:])
    return plugin


def check_python(dest, tmp, plugin):
    package, target = installed(dest, "melspecx/__init__.py")
    site = os.path.dirname(os.path.dirname(target)) if target else None
    default_path = json.loads(run(
        ["/usr/bin/python3", "-I", "-c",
         "import json, sys; print(json.dumps(sys.path))"]).stdout)
    check(f"the package is installed in a directory on /usr/bin/python3's "
          f"sys.path ({site})", site in default_path,
          f"sys.path: {default_path}")
    command, target = installed(dest, "bin/melspecx")
    path = login_path()
    check(f"the command is installed in a directory on the default PATH "
          f"({target})", target is not None and
          os.path.dirname(target) in path and os.access(command, os.X_OK),
          f"PATH: {path}")
    if package is None or command is None or plugin is None:
        return
    env = clean_env(GST_PLUGIN_PATH=str(plugin.parent),
                    GST_REGISTRY_1_0=str(tmp / "registry.bin"),
                    PYTHONPATH=str(package.parent.parent))
    out = run(["/usr/bin/python3", "-c",
               "import melspecx; print(melspecx.__file__)"], env=env)
    check("the installed package imports",
          out.stdout.strip() == str(package), out.stdout + out.stderr)
    wav, png = tmp / "tone.wav", tmp / "tone.png"
    run(["gst-launch-1.0", "-q", "audiotestsrc", "num-buffers=20", "!",
         "wavenc", "!", "filesink", f"location={wav}"], env=env)
    out = run([str(command), "generate", str(wav), str(png),
               "--width-px", "64", "--height-px", "32"], env=env)
    ok = out.returncode == 0 and png.exists() and \
        png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    check("the installed command renders a PNG", ok, out.stderr)


def main():
    with tempfile.TemporaryDirectory(prefix="melspecx-install-") as name:
        tmp = Path(name)
        dest = tmp / "dest"
        out = run([MESON, "install", "-C", BUILD, "--destdir", str(dest),
                   "--no-rebuild", "--quiet"], env=clean_env())
        print(f"1..{3 + (2 if WITH_VULKAN else 0) + (4 if WITH_PYTHON == 'yes' else 0)}")
        check("meson install into a DESTDIR", out.returncode == 0,
              out.stdout + out.stderr)
        plugin = check_plugin(dest, tmp)
        if WITH_PYTHON == "yes":
            check_python(dest, tmp, plugin)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
