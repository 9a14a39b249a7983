#!/usr/bin/env python3
"""Instructions, mallocs, retains and releases per command, by callgrind (valgrind).

Runs the release build of closelab under `valgrind --tool=callgrind` on two quiet scripts of the
bench's churn (socket, connect hN, send hN 100, advance 1ms, close hN), one of SMALL and one of
LARGE commands, and divides the difference by the difference in commands: startup and the first
lines cost nothing in the figure. Counts are calls of the named functions anywhere in the process
(each is entered once per call, whoever calls it).

    python3 Benchmarks/callgrind.py [SMALL LARGE]      (default 5000 15000)
    python3 Benchmarks/callgrind.py --callers=swift_allocObject   (who allocates, per command)
    python3 Benchmarks/callgrind.py --only='$s9LabScript9parseLine…'   (only inside one function)
    CLOSELAB=path/to/closelab python3 Benchmarks/callgrind.py

Exact and repeatable, unlike wall time: the figure to quote for a change to the hot path.
"""
import os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLOSELAB = os.environ.get("CLOSELAB", os.path.join(ROOT, ".build/release/closelab"))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
# --only=SYMBOL: count only inside SYMBOL (callgrind's --toggle-collect), e.g. the parser's entry.
ONLY = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")]
SMALL, LARGE = (int(a) for a in ARGS[:2]) if len(ARGS) >= 2 else (5_000, 15_000)
# --callers=NAME: also list who calls NAME (swift_allocObject, malloc, swift_retain), per command.
CALLERS = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--callers=")]
# --top=N: the N functions with the most instructions of their own, per command.
TOP = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--top=")), 0)

# What is counted, by the functions that do it (Swift's runtime entry points and libc's allocator).
GROUPS = {
    "mallocs": ["malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc"],
    "retains": ["swift_retain", "swift_retain_n", "swift_bridgeObjectRetain", "swift_bridgeObjectRetain_n",
                "swift_nonatomic_retain", "swift_unknownObjectRetain"],
    "releases": ["swift_release", "swift_release_n", "swift_bridgeObjectRelease", "swift_bridgeObjectRelease_n",
                 "swift_nonatomic_release", "swift_unknownObjectRelease"],
}


def churn(n):
    lines = []
    for i in range(1, n // 5 + 1):
        lines += ["socket", f"connect h{i}", f"send h{i} 100", "advance 1ms", f"close h{i}"]
    return lines


def profile(work, commands):
    """(instructions, {function: calls}) of one run over `commands` quiet commands."""
    script = os.path.join(work, f"churn-{commands}.lab")
    with open(script, "w") as f:
        f.write("\n".join(churn(commands)) + "\n")
    out = os.path.join(work, f"cg-{commands}.out")
    toggles = [f"--toggle-collect={symbol}" for symbol in ONLY]
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + toggles + [CLOSELAB, "--format", "off", script],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    names, calls, total, caller, target = {}, {}, 0, None, None
    own, after_calls = {}, False
    with open(out) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line[:1].isdigit() or line[:1] in "+-*":
                # A cost line: the callee's inclusive cost right after calls=, else the function's own.
                parts = line.split()
                if not after_calls and len(parts) >= 2 and caller is not None:
                    own[caller] = own.get(caller, 0) + int(parts[1])
                after_calls = False
                continue
            m = re.match(r"c?fn=\((\d+)\)(?: (.*))?$", line)
            if m:
                if m.group(2) is not None:
                    names[m.group(1)] = m.group(2)
                if line.startswith("cfn="):
                    target = names.get(m.group(1))
                else:
                    caller = names.get(m.group(1))
                continue
            if line.startswith("calls="):
                after_calls = True
            if line.startswith("calls=") and target is not None:
                n = int(line.split("=")[1].split()[0])
                calls[target] = calls.get(target, 0) + n
                calls[(caller, target)] = calls.get((caller, target), 0) + n
                target = None
            elif line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    calls[("own",)] = own
    return total, calls


def main():
    if subprocess.run(["sh", "-c", "command -v valgrind"], capture_output=True).returncode != 0:
        sys.exit("callgrind: valgrind is missing (apt-get install valgrind)")
    work = tempfile.mkdtemp(prefix="closelab-callgrind-")
    (small_ir, small_calls), (large_ir, large_calls) = profile(work, SMALL), profile(work, LARGE)
    n = LARGE - SMALL
    print(f"callgrind, per command ({LARGE} - {SMALL} quiet commands of the churn, {CLOSELAB})"
          + "".join(f"\n  only inside {symbol}" for symbol in ONLY))
    print(f"  instructions {(large_ir - small_ir) / n:10.0f}")
    # Under --only, callgrind gates costs but still records every call: call counts would be the
    # whole run's, so only instructions are shown.
    for group, functions in GROUPS.items() if not ONLY else []:
        d = sum(large_calls.get(f, 0) - small_calls.get(f, 0) for f in functions)
        print(f"  {group:<12} {d / n:10.2f}")
    if TOP:
        own_large, own_small = large_calls[("own",)], small_calls[("own",)]
        rows = sorted(((own_large[f] - own_small.get(f, 0), f) for f in own_large), reverse=True)[:TOP]
        print(f"  the {TOP} functions with the most instructions of their own, per command:")
        for d, f in rows:
            print(f"    {d / n:8.0f}  {f}")
    for callee in CALLERS:
        print(f"  callers of {callee}, per command:")
        rows = [(large_calls[k] - small_calls.get(k, 0), k[0]) for k in large_calls
                if isinstance(k, tuple) and len(k) == 2 and k[1] == callee]
        for d, who in sorted(rows, reverse=True):
            if d / n >= 0.05:
                print(f"    {d / n:8.2f}  {who}")
    print(f"  (whole run of {LARGE}: {large_ir / 1e6:.0f} M instructions; files in {work})")


if __name__ == "__main__":
    main()
