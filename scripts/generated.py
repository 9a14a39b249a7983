"""What both generators (gen-rules.py, gen-lessons.py) do with their output: write the generated
Swift file, or with --check compare it with the committed one and say what differs."""
import difflib, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_or_check(script, output, text, source_name, check, summary):
    """Writes `text` to `output` (a path relative to the repository root) and prints `summary`;
    with `check`, returns 1 and prints a short diff when the committed file differs, else 0."""
    path = os.path.join(ROOT, output)
    if check:
        try:
            with open(path, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = ""
        if current != text:
            diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(),
                                             f"{output} (committed)", f"{output} (generated)", lineterm="", n=0))
            print(f"{script}: {output} is out of date with {source_name}; run `make generate`", file=sys.stderr)
            print("\n".join(diff[:24] + (["..."] if len(diff) > 24 else [])), file=sys.stderr)
            return 1
        return 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{output}: {summary}")
    return 0
