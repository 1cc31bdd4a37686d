"""Run ``python -m MODULE ARGS`` in this process and write its own CPU seconds (not its children's).

    python bench/_selfcpu.py OUTFILE MODULE [ARGS...]

The runner's own share of a process-backed suite: what it costs beyond the
programs it starts, which resource's RUSAGE_SELF counts and RUSAGE_CHILDREN
does not.
"""

from __future__ import annotations

import resource
import runpy
import sys


def main() -> None:
    out, module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    code: object = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    finally:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with open(out, "w") as file:
            file.write(f"{usage.ru_utime + usage.ru_stime}\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
