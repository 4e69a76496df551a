#!/usr/bin/env bash
# GPT-2 small's forward in attnviz and in NumPy + OpenBLAS on the very same
# weights, one after the other in one run: `attnviz bench gpt2` writes its
# random weights (or the --model it was given) to a temporary file, which
# bench/numpy_gpt2.py reads; the NumPy forward first checks the last
# position's logits against attnviz's (1e-4 of the largest logit), then is
# timed with OPENBLAS_NUM_THREADS=1 and =2, each in its own process. Prints
# both sides' lines, then attnviz ÷ NumPy per length and thread count
# (below 1: attnviz is faster), by the wall clock and by CPU time (which
# other programs on a shared machine do not inflate; two threads add both).
#
#   bench/compare_gpt2.sh [--model FILE|DIR|NAME] [--quick]
#
# Needs a build (build/attnviz, or ATTNVIZ=path) and `scripts/setup.sh deps
# bench`. The machine's load is printed before and after: timings on a
# shared machine are only as good as it was quiet.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
attnviz=${ATTNVIZ:-$root/build/attnviz}
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
"$attnviz" bench gpt2 "$@" --save-weights "$tmp/w.safetensors" \
    --save-logits "$tmp/check.safetensors" | tee "$tmp/attnviz.txt"
"$py" "$root/bench/numpy_gpt2.py" "$tmp/w.safetensors" --threads 1 \
    --check "$tmp/check.safetensors" | tee "$tmp/numpy.txt"
"$py" "$root/bench/numpy_gpt2.py" "$tmp/w.safetensors" --threads 2 | grep forward \
    | tee -a "$tmp/numpy.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# "forward N tokens, T thread(s): median X ms, p90 Y ms" on both sides
"$py" - "$tmp/attnviz.txt" "$tmp/numpy.txt" <<'PY'
import re, sys
pat = re.compile(r"forward (\d+) tokens, (\d+) threads?: median ([\d.]+) ms, p90 ([\d.]+) ms, cpu ([\d.]+) ms")
def read(path):
    return {(int(m[1]), int(m[2])): (float(m[3]), float(m[5]))
            for m in map(pat.search, open(path)) if m}
ours, theirs = read(sys.argv[1]), read(sys.argv[2])
print("ratio attnviz / numpy, wall-clock median and CPU-time median (below 1: attnviz is faster):")
for key in sorted(ours):
    if key in theirs:
        n, t = key
        print(f"  {n:4d} tokens, {t} thread{'s' if t > 1 else ' '}: "
              f"wall {ours[key][0]:8.2f} / {theirs[key][0]:8.2f} ms = {ours[key][0] / theirs[key][0]:.2f}, "
              f"cpu {ours[key][1]:8.2f} / {theirs[key][1]:8.2f} ms = {ours[key][1] / theirs[key][1]:.2f}")
PY
