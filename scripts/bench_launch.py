"""Run one command and print its wall time and rusage as JSON: a small go-between.

Why not measure the trainer straight from bench.py: Linux counts, in a child's peak RSS
(ru_maxrss), the memory it had before exec -- and a child forked from bench.py starts with
bench.py's few hundred MB (numpy, vectors under evaluation). This launcher is started with
`python -S`, so the child it forks carries only a few MB, far below any trainer's own peak.

    python -S bench_launch.py STDOUT_FILE STDERR_FILE COMMAND [ARGS...]
"""
import json
import os
import sys
import time


def main():
    stdout_path, stderr_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.execvp(cmd[0], cmd)
        except OSError as exc:
            os.write(2, f"bench_launch: cannot run {cmd[0]}: {exc}\n".encode())
        os._exit(127)
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    wall = time.perf_counter() - start
    # ru_maxrss is in kilobytes on Linux
    print(json.dumps({"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime,
                      "maxrss_kb": usage.ru_maxrss,
                      "returncode": os.waitstatus_to_exitcode(status)}))


if __name__ == "__main__":
    main()
