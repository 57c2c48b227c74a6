"""Run every command README.md shows, in order, as a new user would, and report failures.

The rule: every fenced block in README.md says what it is in its info string (the word
after the opening backticks), and that decides what is run:

    ```console      a shell session: each line starting with "$ " is a command (a line
                    ending in a backslash continues it); the lines after it, up to the next
                    "$ ", are its output as shown. A line "..." in the output stands for
                    any number of lines.
    ```sh           shell commands, one a line (a backslash continues a line; blank and
                    "#" lines are skipped); their output is not shown, so not compared.
    ```python       a Python session, run as one script by the virtualenv's python, from
                    the same directory (so `import w2v` is the one a user there gets).
    ```<lang> template   shown, never run: a pattern to adapt (a placeholder corpus, a
                    benchmark that needs ../shared/data and takes an hour). The README says
                    so in the text around it.
    ```<lang> setup      shown, never run: the set-up itself (make demo, make test, the
                    editable install), which the checker does in its own way (below).
    ```text, ```json ...  not commands: file contents, output without a command.

A block without an info string is itself reported, so that no command can hide in one.

How the commands run: in a scratch copy of the repository (the files git tracks, as they
are in the working tree, and the compiled extensions built in place in w2v/), with the
virtualenv's bin first on PATH and .venv linked in, as after `make demo` and
`. .venv/bin/activate` at the repository root.
First the checker runs the training command of the Makefile's `demo` target (which the
README must show, word for word), then each README command in its own `bash -c`, in the
order of the README, sharing only the directory (files made by one command are there for
the next; shell variables are not). stdin is empty; stdout and stderr are read together,
as a terminal shows them.

A command fails when its exit status is not 0 (a README example that shows a failure says
`; echo "exit status $?"` after it), or when the README shows its output and the output's
shape differs: each line is compared as its sequence of words with every run of digits
read as one number and every run of letters as one word, so `spain     0.966726` matches
`italy 0.951`, but a missing line, an extra word or another punctuation does not. Training
uses all cores by default and threads are not deterministic, so digits and neighbours
differ from machine to machine: the README's outputs are examples, the checker compares
their shape. The Makefile's demo command is not run a second time where the README shows it.

    python scripts/check_readme.py               # all of README.md (about 45 s on 2 cores)
    python scripts/check_readme.py --list        # what would run, without running it
    python scripts/check_readme.py --keep        # keep the scratch directory to look at

Exit status 0 when every command passed, 1 otherwise (each failure is listed), 2 on a
usage error.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOT_RUN = {"template", "setup"}
ELISION = "..."


@dataclass
class Command:
    line: int                  # where it starts in the README (1-based)
    kind: str                  # "sh" (console and sh blocks) or "python"
    text: str                  # the command, continuation lines joined
    expected: Optional[List[str]] = None  # output shown in a console block
    skipped: str = ""          # why it is not run (empty: it runs)


@dataclass
class Block:
    line: int                  # the opening fence's line (1-based)
    info: List[str]
    lines: List[str] = field(default_factory=list)


def fenced_blocks(text):
    blocks, current = [], None
    for number, line in enumerate(text.splitlines(), 1):
        fence = re.match(r"^\s*```(.*)$", line)
        if current is None and fence:
            current = Block(number, fence.group(1).split())
        elif current is not None and fence and not fence.group(1).strip():
            blocks.append(current)
            current = None
        elif current is not None:
            current.lines.append(line)
    if current is not None:
        raise SystemExit(f"check_readme: the block opened at line {current.line} never closes")
    return blocks


def _joined(lines, start):
    """The logical line starting at lines[start] (backslash continuations joined), and
    the index after it."""
    parts, i = [], start
    while True:
        line = lines[i]
        i += 1
        if line.rstrip().endswith("\\") and i < len(lines):
            parts.append(line.rstrip()[:-1].strip())
            continue
        parts.append(line.strip())
        return " ".join(p for p in parts if p), i


def commands_of(block):
    """The Commands a block holds (none for output, data and unmarked blocks)."""
    language = block.info[0] if block.info else ""
    not_run = next((w for w in block.info[1:] if w in NOT_RUN), "")
    first = block.line + 1
    if language == "python":
        return [Command(first, "python", "\n".join(block.lines), skipped=not_run)]
    found = []
    i = 0
    while i < len(block.lines):
        line = block.lines[i]
        if language == "console" and line.startswith("$ "):
            text, after = _joined(block.lines, i)
            output = []
            while after < len(block.lines) and not block.lines[after].startswith("$ "):
                output.append(block.lines[after])
                after += 1
            found.append(Command(first + i, "sh", text[2:], _trimmed(output) or None, not_run))
            i = after
        elif language == "sh" and line.strip() and not line.lstrip().startswith("#"):
            text, after = _joined(block.lines, i)
            found.append(Command(first + i, "sh", text, None, not_run))
            i = after
        else:
            i += 1
    return found


def _trimmed(lines):
    """`lines` without the blank lines at their end (layout, not output)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    return lines[:end]


def problems_of(blocks):
    return [f"README.md:{b.line}: a fenced block without an info string: say what it is "
            "(console, sh, python, text; add 'template' or 'setup' if it is not to be run)"
            for b in blocks if not b.info]


# ------------------------------------------------------------------------------- shape

def line_shape(line):
    """A line's words with each run of digits as 9 and each run of letters as a."""
    shapes = []
    for token in line.split():
        token = re.sub(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?", "9", token)
        shapes.append(re.sub(r"[^\W\d_]+", "a", token))
    return " ".join(shapes)


def shape_mismatch(expected, actual):
    """None when `actual` (lines) has the shape of `expected` ("..." matches any lines),
    else a short description of the first difference."""
    want = [None if line.strip() == ELISION else line_shape(line) for line in _trimmed(expected)]
    got = [line_shape(line) for line in _trimmed(actual)]

    def match(w, g):
        if w == len(want):
            return g == len(got)
        if want[w] is None:
            return any(match(w + 1, k) for k in range(g, len(got) + 1))
        return g < len(got) and want[w] == got[g] and match(w + 1, g + 1)

    if match(0, 0):
        return None
    for w, g in zip(want, got):
        if w is None:
            break
        if w != g:
            return f"a line shaped {w!r} came out shaped {g!r}"
    return f"{len(expected)} lines shown, {len(actual)} came out"


# ----------------------------------------------------------------------------- running

def demo_command(makefile):
    """The training command of the Makefile's demo target, as typed after activation."""
    with open(makefile) as f:
        lines = f.read().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("demo:")) + 1
    recipe = []
    while start < len(lines) and lines[start].startswith("\t"):
        recipe.append(lines[start])
        start += 1
    i = 0
    while i < len(recipe):
        text, i = _joined(recipe, i)
        text = text.lstrip("@-").replace("$(BIN)/", "")
        if re.match(r"w2v train\b", text):
            return text
    raise SystemExit("check_readme: no 'w2v train' command in the Makefile's demo target")


def repository_files(root):
    try:
        # tracked files only: what a README command left in the checkout must not help
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True,
                                check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):  # not a checkout: every file but these
        skip = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache"}
        listed = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info")]
            listed += [os.path.relpath(os.path.join(folder, f), root) for f in files]
    compiled = [os.path.join("w2v", f) for f in os.listdir(os.path.join(root, "w2v"))
                if f.endswith((".so", ".pyd"))]
    return [f for f in listed + compiled if f and os.path.isfile(os.path.join(root, f))]


def scratch_copy(root, venv, where):
    for name in repository_files(root):
        target = os.path.join(where, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(root, name), target)
    os.symlink(venv, os.path.join(where, ".venv"))


def environment(venv):
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env.update(VIRTUAL_ENV=venv, PATH=os.path.join(venv, "bin") + os.pathsep + env["PATH"],
               PYTHONUNBUFFERED="1")  # stdout and stderr interleaved as on a terminal
    return env


def run(command, cwd, env, timeout):
    """(exit status, output lines) of a Command."""
    if command.kind == "python":
        argv, stdin = ["python", "-"], command.text.encode()
    else:
        argv, stdin = ["bash", "-c", command.text], b""
    try:
        result = subprocess.run(argv, cwd=cwd, env=env, input=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return f"timed out after {timeout} s", (exc.output or b"").decode(
            "utf-8", "replace").splitlines()
    return result.returncode, result.stdout.decode("utf-8", "replace").splitlines()


def failure(command, status, output):
    if isinstance(status, str):  # timed out
        return status
    if status != 0:
        return f"exit status {status}"
    if command.expected is not None:
        return shape_mismatch(command.expected, output)
    return None


def check(command, scratch, env, args):
    """None when `command` passes, else what went wrong and the output's last lines."""
    began = time.perf_counter()
    status, output = run(command, scratch, env, args.timeout)
    if args.verbose:
        print(f"{time.perf_counter() - began:6.1f} s  README.md:{command.line}: "
              f"{shown(command.text)}", flush=True)
    wrong = failure(command, status, output)
    return wrong and f"{wrong}\n    " + "\n    ".join(output[-8:] or ["(no output)"])


def normalised(text):
    return " ".join(text.split())


def shown(text, width=100):
    text = "; ".join(line for line in text.splitlines() if line.strip())
    return text if len(text) <= width else text[:width - 3] + "..."


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    parser.add_argument("--venv", default=os.path.dirname(os.path.dirname(
        os.path.abspath(sys.executable))), help="the virtualenv (default: this python's)")
    parser.add_argument("--list", action="store_true", help="list the commands, run nothing")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per command")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each command with its time as it runs")
    args = parser.parse_args(argv)

    with open(args.readme, encoding="utf-8") as f:
        blocks = fenced_blocks(f.read())
    commands = [c for b in blocks for c in commands_of(b)]
    problems = problems_of(blocks)
    setup = demo_command(os.path.join(ROOT, "Makefile"))
    if not any(normalised(c.text) == normalised(setup) for c in commands):
        problems.append(f"README.md: does not show the Makefile's demo command: {setup}")
    for c in commands:
        if not c.skipped and normalised(c.text) == normalised(setup):
            c.skipped = "the set-up, run first"
    if args.list:
        print(f"set-up (Makefile demo): {setup}")
        for c in commands:
            mark = f"not run ({c.skipped})" if c.skipped else (
                "output compared" if c.expected else "status only")
            print(f"README.md:{c.line}: [{c.kind}, {mark}] {shown(c.text)}")
        for problem in problems:
            print("PROBLEM " + problem)
        return 1 if problems else 0

    started = time.perf_counter()
    scratch = tempfile.mkdtemp(prefix="check-readme-")
    env = environment(os.path.abspath(args.venv))
    failures = list(problems)
    ran = compared = 0
    try:
        scratch_copy(ROOT, os.path.abspath(args.venv), scratch)
        wrong = check(Command(0, "sh", setup), scratch, env, args)
        if wrong:
            failures.append(f"Makefile demo: `{setup}`: {wrong}")
        for c in commands if not wrong else ():
            if c.skipped:
                continue
            ran += 1
            compared += c.expected is not None
            wrong = check(c, scratch, env, args)
            if wrong:
                failures.append(f"README.md:{c.line}: `{shown(c.text)}`: {wrong}")
    finally:
        if args.keep:
            print(f"check_readme: scratch directory kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    skipped = sum(1 for c in commands if c.skipped)
    print(f"check_readme: {ran} README commands run after the Makefile's demo training, "
          f"{compared} with their output compared, {skipped} not run (template, setup); "
          f"{len(failures)} failed; {time.perf_counter() - started:.0f} s")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
