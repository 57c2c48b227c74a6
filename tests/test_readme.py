"""README.md's commands run as printed (scripts/check_readme.py), and the checker's rules."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import check_readme  # noqa: E402


def commands(markdown):
    return [c for b in check_readme.fenced_blocks(markdown) for c in check_readme.commands_of(b)]


def test_blocks_say_what_runs():
    found = commands(
        "```console\n$ w2v similar v.bin \\\n    --top 2 king\nqueen 0.9\n\n$ echo hi\n```\n"
        "```sh\n# a comment\nw2v train a.txt \\\n  -o v.bin\n\nls\n```\n"
        "```sh template\nw2v train corpus.txt\n```\n"
        "```text\n$ not a command\n```\n"
        "```python\nimport w2v\n```\n")
    assert [(c.line, c.text, c.expected, c.skipped) for c in found] == [
        (2, "w2v similar v.bin --top 2 king", ["queen 0.9"], ""),
        (6, "echo hi", None, ""),
        (10, "w2v train a.txt -o v.bin", None, ""),
        (13, "ls", None, ""),
        (16, "w2v train corpus.txt", None, "template"),
        (22, "import w2v", None, ""),
    ]
    assert [c.kind for c in found] == ["sh"] * 5 + ["python"]


def test_a_block_without_info_string_is_reported():
    blocks = check_readme.fenced_blocks("```\nw2v train x\n```\n```sh\nls\n```\n")
    assert len(check_readme.problems_of(blocks)) == 1


def test_outputs_compare_by_shape():
    mismatch = check_readme.shape_mismatch
    assert mismatch(["spain     0.966726", "italy 0.95"], ["germany 0.9", "rome  0.8812"]) is None
    assert mismatch(["a 0.9", "b 0.8"], ["a 0.9"]) is not None  # a missing line
    assert mismatch(["w2v: error: cannot read corpus nope.txt: no such file"],
                    ["w2v: error: cannot read corpus nope.txt: No such file or directory"])
    assert mismatch(["...", "total 1 2.5 %"], ["x", "y", "", "total 114 1.92 %"]) is None
    assert mismatch(["...", "total 1 2.5 %"], ["total 114 1.92 % extra"]) is not None
    assert mismatch(["four 0.98", ""], ["four 0.97", "", ""]) is None  # trailing blank lines


def test_the_makefile_demo_command_is_found():
    command = check_readme.demo_command(os.path.join(ROOT, "Makefile"))
    assert command.startswith("w2v train ") and "--seed" in command


def test_every_readme_command_runs_as_printed():
    """About 45 s on 2 cores: the demo training, then every README command in order."""
    result = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "check_readme.py")],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
