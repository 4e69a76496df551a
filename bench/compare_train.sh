#!/usr/bin/env bash
# Training speed: attnviz (C, two threads) and PyTorch (two threads, the same
# model, batch and AdamW: bench/torch_train.py), one after the other, same
# machine. Needs a build (scripts/setup.sh test) and
# `scripts/setup.sh deps torch`. Extra arguments go to both, e.g.
#   bench/compare_train.sh --layers 3
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
echo "== attnviz bench train $*"
"$root/build/attnviz" bench train "$@"
echo "== bench/torch_train.py $* (PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'))"
/usr/bin/python3 "$root/bench/torch_train.py" "$@"
