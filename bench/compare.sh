#!/usr/bin/env bash
# The forward pass in attnviz and in NumPy+OpenBLAS (one thread), same shapes,
# one after the other. Needs a build (scripts/setup.sh test) and
# `scripts/setup.sh deps bench`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/build/attnviz" bench core
OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/bench/numpy_attention.py"
