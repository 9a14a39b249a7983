#!/usr/bin/env python3
"""closelab's benchmarks (`make bench`): every figure with its reference, ratio and target.

Needs: a release build of closelab (.build/release/closelab), the hello-world built the same way
(Benchmarks/hello/.build/release/hello), hyperfine (startup only) and sqlite3; `make bench`
installs and builds them. Peak memory is each run's own, from GNU time (/usr/bin/time).

The machine is shared and noisy, so a figure against a reference is measured in pairs: closelab,
then the reference, alternately, RUNS times; each pair gives a ratio and the figure is the median
of the ratios (a slow minute slows both halves of a pair). A cost "after N commands" is measured
the same way: the script with the command against the script alone, the median of the
differences.

    python3 Benchmarks/bench.py                  # everything, about five minutes
    BENCH_RUNS=20 python3 Benchmarks/bench.py    # more pairs (default 10; the 1 M run takes 3)
    BENCH_ONLY=teaching python3 Benchmarks/bench.py   # one section: startup quiet million tables scale teaching

Prints every figure with ok or MISSED against its target, then the same as markdown rows for
BENCHMARKS.md; exits 1 if a target is missed.
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLOSELAB = os.path.join(ROOT, ".build/release/closelab")
HELLO = os.path.join(ROOT, "Benchmarks/hello/.build/release/hello")
RUNS = int(os.environ.get("BENCH_RUNS", "10"))
LONG_RUNS = int(os.environ.get("BENCH_LONG_RUNS", "3"))
ONLY = os.environ.get("BENCH_ONLY", "")
work = tempfile.mkdtemp(prefix="closelab-bench-")
rows = []        # markdown rows for BENCHMARKS.md
missed = []      # the targets missed


def write(name, lines):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def churn(n):
    """n commands: repetitions of socket, connect hN, send hN 100, advance 1ms, close hN."""
    lines = []
    for i in range(1, n // 5 + 1):
        lines += ["socket", f"connect h{i}", f"send h{i} 100", "advance 1ms", f"close h{i}"]
    return lines


def run(argv, stdin=None):
    """One run, its output to /dev/null: (wall seconds, peak resident memory in MB).

    Through GNU time, for the memory: a process keeps the high-water mark of the memory it had
    before exec, so a child forked from this (large) Python would report Python's size; GNU time
    is small, and reports its own child's."""
    with open(stdin or os.devnull, "rb") as i, open(os.devnull, "wb") as o, \
            tempfile.NamedTemporaryFile() as rss, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        status = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + argv, stdin=i, stdout=o, stderr=err).returncode
        wall = time.perf_counter() - start
        if status != 0:
            err.seek(0)
            sys.exit(f"bench: {' '.join(argv)} failed ({status}): {err.read().decode(errors='replace')[:2000]}")
        return wall, int(open(rss.name).read().split()[-1]) / 1024

def pairs(a, b, runs=RUNS):
    """Runs a and b (argv, stdin) alternately, after one warm-up each: their times and memory."""
    run(*a), run(*b)
    ta, tb, ma, mb = [], [], [], []
    for _ in range(runs):
        t, m = run(*a); ta.append(t); ma.append(m)
        t, m = run(*b); tb.append(t); mb.append(m)
    return ta, tb, max(ma), max(mb)


def ms(seconds):
    return seconds * 1000


def show(name, value, unit, ratio=None, target=None, ok=None, reference=""):
    """One figure: printed, and kept as a markdown row; a missed target is remembered."""
    text = f"  {name:<56} {value:>10.2f} {unit:<3}"
    if ratio is not None:
        text += f"  ratio {ratio:6.2f}"
    if target:
        text += f"  target {target}" + ("" if ok is None else ("  ok" if ok else "  MISSED"))
    print(text, flush=True)
    verdict = "" if ok is None else ("met" if ok else "**missed**")
    rows.append(f"| {name} | {value:.2f} {unit} | {reference} | {'' if ratio is None else f'{ratio:.2f}'} | "
                f"{target or ''}{': ' + verdict if verdict else ''} |")
    if ok is False:
        missed.append(name)


def section(name, title):
    if ONLY and ONLY != name:
        return False
    print(title, flush=True)
    rows.append(f"| **{title}** | | | | |")
    return True


def check_tools():
    for tool in ("hyperfine", "sqlite3", "/usr/bin/time"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
            package = "time" if tool == "/usr/bin/time" else tool
            sys.exit(f"bench: {tool} is missing (make bench installs it: apt-get install {package})")
    for binary in (CLOSELAB, HELLO):
        if not os.access(binary, os.X_OK):
            sys.exit(f"bench: {binary} is missing (make bench builds it)")


def startup():
    """hyperfine: a few milliseconds each, where its own timing beats a Python stopwatch."""
    out = os.path.join(work, "hf.json")
    subprocess.run(["hyperfine", "-N", "--warmup", "5", "--runs", str(max(RUNS, 20)), "--export-json", out,
                    "--style", "none", f"{CLOSELAB} -c quit", HELLO, "sqlite3 :memory: .quit"],
                   check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        start, hello, sqlite = (ms(r["median"]) for r in json.load(f)["results"])
    show("closelab -c quit", start, "ms", target="< 10 ms", ok=start < 10, reference=f"hello {hello:.1f} ms, sqlite3 {sqlite:.1f} ms")
    show("Swift hello-world, built the same way", hello, "ms", ratio=start / hello)
    show("sqlite3 :memory: .quit", sqlite, "ms", ratio=start / sqlite)
    show("peak memory, closelab -c quit", run([CLOSELAB, "-c", "quit"])[1], "MB")


def quiet(script, select):
    ta, tb, ma, mb = pairs(([CLOSELAB, "--format", "off", script], None), (["sqlite3", ":memory:"], select))
    ratio = statistics.median(x / y for x, y in zip(ta, tb))
    show("closelab --format off, 100,000 commands", ms(statistics.median(ta)), "ms", ratio=ratio,
         target="ratio <= 0.3", ok=ratio <= 0.3, reference=f"sqlite3 `select 1;` {ms(statistics.median(tb)):.0f} ms")
    show("sqlite3 :memory: < 100,000 x select 1;", ms(statistics.median(tb)), "ms")
    show("peak memory, closelab, 100,000 commands", ma, "MB", target="<= 50 MB", ok=ma <= 50, reference=f"sqlite3 {mb:.1f} MB")
    return statistics.median(ta)


def million(quiet_100k):
    script = write("churn-1m.lab", churn(1_000_000))
    select = write("select1-1m.sql", ["select 1;"] * 1_000_000)
    ta, tb, ma, _ = pairs(([CLOSELAB, "--format", "off", script], None), (["sqlite3", ":memory:"], select), LONG_RUNS)
    ratio = statistics.median(x / y for x, y in zip(ta, tb))
    show("closelab --format off, 1,000,000 commands", ms(statistics.median(ta)), "ms", ratio=ratio,
         reference=f"sqlite3 `select 1;` x 1,000,000 {ms(statistics.median(tb)):.0f} ms")
    if quiet_100k:
        show("  per command, 1,000,000 against 100,000", statistics.median(ta) / 10 / quiet_100k, "x",
             reference="1.00 = no slower per command")
    show("peak memory, closelab, 1,000,000 commands", ma, "MB", target="<= 64 MB", ok=ma <= 64)


def tables(script):
    row = "select 1 as a,2 as b,3 as c,4 as d,5 as e,6 as f,7 as g,8 as h"
    box = write("box.sql", [".mode box"] + [f"{row} union all {row} union all {row};"] * 100_000)
    ta, tb, ma, mb = pairs(([CLOSELAB, "--format", "plain", script], None), (["sqlite3", ":memory:"], box))
    ratio = statistics.median(x / y for x, y in zip(ta, tb))
    show("closelab --format plain, 100,000 commands", ms(statistics.median(ta)), "ms", ratio=ratio,
         target="ratio <= 1", ok=ratio <= 1, reference=f"sqlite3 .mode box {ms(statistics.median(tb)):.0f} ms")
    show("peak memory, closelab plain tables", ma, "MB", target="<= 50 MB", ok=ma <= 50, reference=f"sqlite3 {mb:.1f} MB")


def difference(base_lines, extra_lines, name, runs=RUNS, fmt="plain"):
    """The median cost of extra_lines after base_lines: (seconds, peak MB with them)."""
    base = write(f"{name}-base.lab", base_lines)
    more = write(f"{name}-more.lab", base_lines + extra_lines)
    ta, tb, ma, _ = pairs(([CLOSELAB, "--format", fmt, more], None), ([CLOSELAB, "--format", fmt, base], None), runs)
    return statistics.median(x - y for x, y in zip(ta, tb)), ma


def scale():
    extra = ["send h1 10", "getsockopt h2 SO_LINGER", "ioctl h3 FIONBIO 0", "advance 1ms"] * 2_500
    small, _ = difference(["socket"] * 10 + ["connect h1"], extra, "open-10")
    large, _ = difference(["socket"] * 10_000 + ["connect h1"], extra, "open-10k")
    small, large = small / len(extra) * 1e6, large / len(extra) * 1e6
    show("one more command, 10 handles open", small, "us")
    show("one more command, 10,000 handles open", large, "us", ratio=large / small, target="ratio <= 2",
         ok=large <= 2 * small, reference=f"10 handles {small:.1f} us")
    show_cost, _ = difference(["socket"] * 10_000, ["show handles"] * 20, "show-10k")
    show("show handles, 10,000 handles open", ms(show_cost) / 20, "ms")


def teaching(lines):
    """Each teaching command after 100,000 commands, its output (plain) to /dev/null."""
    base = lines + ["format plain"]
    pcap = os.path.join(work, "out.pcap")
    for command in ("explain", "undo", "trace", f"trace --pcap {pcap}"):
        cost, mem = difference(base, [command], command.split()[0] + ("-pcap" if "pcap" in command else ""), fmt="off")
        label = "trace --pcap FILE" if "pcap" in command else command
        show(f"{label} after 100,000 commands", ms(cost), "ms", target="<= 50 ms", ok=ms(cost) <= 50,
             reference=f"peak {mem:.0f} MB with it")
    cost, mem = difference(churn(5_000) + ["format plain"], ["compare"], "compare", fmt="off")
    show("compare after 1,000 sockets (5,000 commands)", ms(cost), "ms", target="<= 1000 ms", ok=ms(cost) <= 1000,
         reference=f"peak {mem:.0f} MB with it")


def main():
    check_tools()
    print(f"closelab benchmarks: medians of {RUNS} pairs (closelab and its reference alternately; {LONG_RUNS} for 1 M)")
    print(f"machine: {os.cpu_count()} cores; {subprocess.run(['uname', '-srm'], capture_output=True, text=True).stdout.strip()}; "
          f"{subprocess.run(['sqlite3', '--version'], capture_output=True, text=True).stdout.split()[0]} (sqlite3)")
    print()
    script = write("churn-100k.lab", churn(100_000))
    select = write("select1-100k.sql", ["select 1;"] * 100_000)
    quiet_100k = None
    if section("startup", "startup"):
        startup()
    if section("quiet", "quiet throughput (--format off, against sqlite3 reading 100,000 x `select 1;`)"):
        quiet_100k = quiet(script, select)
    if section("million", "a million quiet commands"):
        million(quiet_100k)
    if section("tables", "table throughput (plain tables to /dev/null, against sqlite3's .mode box)"):
        tables(script)
    if section("scale", "scale (per command = (with 10,000 extra commands - without) / 10,000)"):
        scale()
    if section("teaching", "teaching commands after a long session (with the command - without it)"):
        teaching(churn(100_000))
    print()
    print("| figure | closelab | reference | ratio | target |")
    print("|---|---:|---|---:|---|")
    print("\n".join(rows))
    print()
    print("all targets met" if not missed else f"{len(missed)} target(s) MISSED: {', '.join(missed)}")
    sys.exit(0 if not missed else 1)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the generated scripts: tens of megabytes
