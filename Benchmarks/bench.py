#!/usr/bin/env python3
"""closelab's benchmarks (`make bench`): medians over several runs, ratios measured in the same run.

Needs: a release build of closelab (.build/release/closelab), the hello-world built the same way
(Benchmarks/hello/.build/release/hello), hyperfine, sqlite3 and /usr/bin/time (GNU time).
Prints every figure with its ratio and the target it is held to; exits 1 if a target is missed.
"""
import json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLOSELAB = os.path.join(ROOT, ".build/release/closelab")
HELLO = os.path.join(ROOT, "Benchmarks/hello/.build/release/hello")
RUNS = int(os.environ.get("BENCH_RUNS", "10"))
work = tempfile.mkdtemp(prefix="closelab-bench-")


def write(name, lines):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def churn(n):
    """Exactly n repetitions of socket, connect hN, send hN 100, advance 1ms, close hN."""
    lines = []
    for i in range(1, n + 1):
        lines += ["socket", f"connect h{i}", f"send h{i} 100", "advance 1ms", f"close h{i}"]
    return lines


def median_ms(commands, shell=False):
    """Median wall time of each command (ms) from one hyperfine run."""
    out = os.path.join(work, "hf.json")
    args = ["hyperfine", "--warmup", "2", "--runs", str(RUNS), "--export-json", out, "--style", "none"]
    if not shell:
        args.append("-N")
    subprocess.run(args + commands, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return [r["median"] * 1000 for r in json.load(f)["results"]]


def peak_kb(command):
    r = subprocess.run(["/usr/bin/time", "-v", "sh", "-c", command], capture_output=True, text=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m.group(1)) if m else -1


def line(name, value, unit, ratio=None, target=None, ok=None):
    text = f"{name:<58} {value:>10.2f} {unit:<3}"
    if ratio is not None:
        text += f"  ratio {ratio:6.2f}"
    if target:
        text += f"  target {target}" + ("" if ok is None else ("  ok" if ok else "  MISSED"))
    print(text)
    return ok is not False


for tool in ("hyperfine", "sqlite3"):
    if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
        sys.exit(f"bench: {tool} is missing (make bench installs it)")
for binary in (CLOSELAB, HELLO):
    if not os.access(binary, os.X_OK):
        sys.exit(f"bench: {binary} is missing (make bench builds it)")

print(f"closelab benchmarks — medians of {RUNS} runs (hyperfine), peak memory from /usr/bin/time -v")
print(f"machine: {os.cpu_count()} cores; {subprocess.run(['uname', '-srm'], capture_output=True, text=True).stdout.strip()}")
print()
good = True

# 1. Startup.
start, hello, sqlite = median_ms([f"{CLOSELAB} -c quit", HELLO, "sqlite3 :memory: .quit"])
print("startup")
good &= line("  closelab -c quit", start, "ms", target="< 10 ms", ok=start < 10)
line("  Swift hello-world, built the same way", hello, "ms", ratio=start / hello)
line("  sqlite3 :memory: .quit", sqlite, "ms", ratio=start / sqlite)
good &= line("  peak memory, closelab -c quit", peak_kb(f"{CLOSELAB} -c quit") / 1024, "MB")
print()

# 2. Quiet throughput: 100,000 commands, --format off, against 100,000 lines of `select 1;`.
script = write("churn-100k.lab", churn(20_000))
select = write("select1.sql", ["select 1;"] * 100_000)
quiet, sq = median_ms([f"sh -c '{CLOSELAB} --format off {script}'", f"sh -c 'sqlite3 :memory: < {select} > /dev/null'"], shell=True)
print("quiet throughput (100,000 commands, --format off)")
good &= line("  closelab", quiet, "ms", ratio=quiet / sq, target="ratio <= 0.5", ok=quiet / sq <= 0.5)
line("  sqlite3 :memory: < 100,000 x select 1;", sq, "ms")
mem = peak_kb(f"{CLOSELAB} --format off {script}") / 1024
good &= line("  peak memory, closelab", mem, "MB", target="< 50 MB", ok=mem < 50)
line("  peak memory, sqlite3", peak_kb(f"sqlite3 :memory: < {select} > /dev/null") / 1024, "MB")
print()

# 3. Table throughput: the same script printing plain tables, against sqlite3's box rendering.
row = "select 1 as a,2 as b,3 as c,4 as d,5 as e,6 as f,7 as g,8 as h"
box = write("box.sql", [".mode box"] + [f"{row} union all {row} union all {row};"] * 100_000)
tables, sqbox = median_ms([f"sh -c '{CLOSELAB} --format plain {script} > /dev/null'", f"sh -c 'sqlite3 :memory: < {box} > /dev/null'"], shell=True)
print("table throughput (the same script, plain tables to /dev/null)")
good &= line("  closelab", tables, "ms", ratio=tables / sqbox, target="ratio <= 1", ok=tables <= sqbox)
line("  sqlite3 .mode box, 100,000 x a 3-row 8-column table", sqbox, "ms")
mem = peak_kb(f"{CLOSELAB} --format plain {script} > /dev/null") / 1024
good &= line("  peak memory, closelab", mem, "MB", target="< 50 MB", ok=mem < 50)
line("  peak memory, sqlite3", peak_kb(f"sqlite3 :memory: < {box} > /dev/null") / 1024, "MB")
print()

# 4. Scale: the cost of one more command with 10,000 handles open against 10 open.
extra = ["send h1 10", "getsockopt h2 SO_LINGER", "ioctl h3 FIONBIO 0", "advance 1ms"] * 2_500
def per_command(n):
    base = write(f"open-{n}.lab", ["socket"] * n + ["connect h1"])
    more = write(f"open-{n}-more.lab", ["socket"] * n + ["connect h1"] + extra)
    a, b = median_ms([f"sh -c '{CLOSELAB} --format plain {base} > /dev/null'",
                      f"sh -c '{CLOSELAB} --format plain {more} > /dev/null'"], shell=True)
    return (b - a) / len(extra) * 1000, base
small, _ = per_command(10)
large, base10k = per_command(10_000)
show = write("show-10k.lab", ["socket"] * 10_000 + ["show handles"] * 20)
show_base, show_more = median_ms([f"sh -c '{CLOSELAB} --format plain {base10k} > /dev/null'",
                                  f"sh -c '{CLOSELAB} --format plain {show} > /dev/null'"], shell=True)
print("scale (plain tables; per command = (with 10,000 extra commands - without) / 10,000)")
line("  one more command, 10 handles open", small, "us")
good &= line("  one more command, 10,000 handles open", large, "us", ratio=large / small,
             target="ratio <= 2", ok=large <= 2 * small)
line("  show handles, 10,000 handles open", (show_more - show_base) / 20, "ms")
print()
print("all targets met" if good else "some targets MISSED")
sys.exit(0 if good else 1)
