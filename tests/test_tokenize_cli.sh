#!/bin/sh
# `attnviz tokenize`: GPT-2's pieces, ids and byte spans, as lines and as
# JSON; every bad input exits 2 with one line on stderr naming the problem.
# Needs no window and no jq.
# usage: test_tokenize_cli.sh PATH_TO_ATTNVIZ
exe=${1:-build/attnviz}
passed=0
failed=0
out=$(mktemp)
errf=$(mktemp)
dir=$(mktemp -d)
trap 'rm -rf "$out" "$errf" "$dir"' EXIT
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

# expect STATUS TEXT -- ARGS...: exit status and a piece of stderr
expect() {
    want_status=$1 want_text=$2
    shift 3
    "$exe" "$@" >"$out" 2>"$errf"
    status=$?
    lines=$(wc -l <"$errf")
    if [ "$status" -ne "$want_status" ]; then
        bad "attnviz $*: exit $status, want $want_status; stderr: $(cat "$errf")"
    elif [ "$want_status" -ne 0 ] && ! grep -qF -- "$want_text" "$errf"; then
        bad "attnviz $*: stderr lacks '$want_text': $(cat "$errf")"
    elif [ "$want_status" -ne 0 ] && [ "$lines" -ne 1 ]; then
        bad "attnviz $*: $lines lines on stderr, want 1"
    else
        ok
    fi
}
# has LINE: stdout holds the exact line
has() { if grep -qxF -- "$1" "$out"; then ok; else bad "output lacks '$1': $(cat "$out")"; fi; }

expect 0 "" -- tokenize Hello, world
has " 15496      0-5     Hello"
has "    11      5-6     ,"
has "   995      6-12    ·world"
[ "$(wc -l <"$out")" -eq 3 ] && ok || bad "Hello, world: $(wc -l <"$out") lines, want 3"

expect 0 "" -- tokenize --sentence "The animal didn't cross"
has "  1422     10-15    ·didn"
has "   470     15-17    't"

# a character cut between tokens shows its bytes; a newline and a tab their signs
expect 0 "" -- tokenize --sentence "$(printf ' 日\n\t')"
has " 10545      0-2     ·<E6>"
has "   245      2-3     <97>"
has "    98      3-4     <A5>"
has "   198      4-5     ↵"
has "   197      5-6     →"

expect 0 "" -- tokenize --eot --json --sentence "Hello"
grep -qF '"ids": [50256, 15496]' "$out" && ok || bad "--eot --json: $(cat "$out")"
grep -qF '{"id": 15496, "bytes": [0, 5], "piece": "Hello"}' "$out" && ok || bad "--json: $(cat "$out")"

# another folder, in Hugging Face's layout
data=$("$exe" --version | sed -n 's/.*(data: \(.*\))$/\1/p')
if [ -n "$data" ] && [ -f "$data/assets/gpt2/encoder.json" ]; then
    cp "$data/assets/gpt2/encoder.json" "$dir/vocab.json"
    cp "$data/assets/gpt2/vocab.bpe" "$dir/merges.txt"
    expect 0 "" -- tokenize --vocab "$dir" --sentence "Hello, world"
    has "   995      6-12    ·world"
    printf '#version: 0.2\nĠ t\nnot a merge\n' >"$dir/merges.txt"
    expect 2 "--vocab $dir/merges.txt line 3 is not a merge" -- tokenize x --vocab "$dir"
    printf '{"a": 0' >"$dir/vocab.json"
    expect 2 "$dir/vocab.json is not valid JSON" -- tokenize x --vocab "$dir"
else
    bad "no data folder with assets/gpt2: $("$exe" --version)"
fi

expect 2 "tokenize needs a text" -- tokenize
expect 2 "tokenize takes its text first, then the options: not 'Hi' after an option (or give it as --sentence)" -- tokenize --json Hi
expect 2 "not both" -- tokenize x --sentence y
expect 2 "not valid UTF-8: byte 1 (0xFF)" -- tokenize --sentence "$(printf 'a\377')"
expect 2 "--vocab /nonexistent is not a folder" -- tokenize x --vocab /nonexistent
mkdir "$dir/empty"
expect 2 "looked for vocab.json + merges.txt and encoder.json + vocab.bpe" -- tokenize x --vocab "$dir/empty"
ATTNVIZ_DATA_DIR=$dir/empty expect 2 "GPT-2's vocabulary folder $dir/empty/assets/gpt2 is missing" -- tokenize x

echo "test_tokenize_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
