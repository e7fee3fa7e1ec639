"""`python -m benchmarks`: the whole benchmark suite (see run.py)."""

from benchmarks.run import main

main()
