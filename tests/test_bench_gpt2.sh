#!/bin/sh
# `attnviz bench gpt2 --quick`: the command runs end to end on a tiny random
# model (one run per line), writes weights that load back through --model,
# and refuses bad options in one line. The speed itself is measured by
# bench/compare_gpt2.sh, never here.
# usage: test_bench_gpt2.sh PATH_TO_ATTNVIZ
exe=${1:-build/attnviz}
passed=0
failed=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

forward_lines() { grep -cE "^forward [0-9]+ tokens, [12] threads?: median [0-9.]+ ms, p90 [0-9.]+ ms, cpu [0-9.]+ ms \(1 runs\)$" "$1"; }

if "$exe" bench gpt2 --quick --save-weights "$dir/w.safetensors" --save-logits "$dir/c.safetensors" \
    >"$dir/out" 2>"$dir/err"; then ok; else bad "bench gpt2 --quick: $(cat "$dir/err")"; fi
grep -q "^init: [0-9.]* ms (random weights, seed 1: 2 layers" "$dir/out" && ok || bad "no init line: $(cat "$dir/out")"
[ "$(forward_lines "$dir/out")" -eq 6 ] && ok || bad "want 6 forward lines: $(cat "$dir/out")"
for n in 16 64 256; do
    for t in "1 thread" "2 threads"; do
        grep -q "^forward $n tokens, $t:" "$dir/out" && ok || bad "no line for $n tokens, $t"
    done
done
[ -s "$dir/w.safetensors" ] && [ -s "$dir/c.safetensors" ] && ok || bad "weights or logits not written"

# the weights written load back as a GPT-2 checkpoint (d_model 128 is no
# GPT-2 size: config.json gives the heads)
printf '{"n_head": 2, "n_layer": 2, "n_embd": 128, "n_positions": 256, "vocab_size": 500}\n' \
    >"$dir/config.json"
if "$exe" bench gpt2 --quick --model "$dir/w.safetensors" --threads 2 >"$dir/out2" 2>"$dir/err"; then ok
else bad "bench gpt2 --model: $(cat "$dir/err")"; fi
grep -q "^load: [0-9.]* ms (.*w.safetensors: 2 layers, 2 heads, d_model 128" "$dir/out2" && ok ||
    bad "no load line: $(cat "$dir/out2")"
[ "$(forward_lines "$dir/out2")" -eq 3 ] && ! grep -q "1 thread:" "$dir/out2" && ok ||
    bad "--threads 2: want 3 lines of 2 threads: $(cat "$dir/out2")"

# refusals: exit 2, one line on stderr
refuse() {
    want=$1
    shift
    "$exe" "$@" >/dev/null 2>"$dir/err"
    status=$?
    if [ "$status" -eq 2 ] && grep -qF -- "$want" "$dir/err" && [ "$(wc -l <"$dir/err")" -eq 1 ]; then ok
    else bad "attnviz $*: exit $status, stderr: $(cat "$dir/err") (want '$want')"; fi
}
refuse "--threads" bench gpt2 --quick --threads 3
refuse "$dir/none.safetensors" bench gpt2 --model "$dir/none.safetensors"
refuse "$dir/nofolder/w.safetensors" bench gpt2 --quick --save-weights "$dir/nofolder/w.safetensors"

echo "test_bench_gpt2: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
