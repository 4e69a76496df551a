#!/bin/sh
# GPT-2 on the command line, from a fake Hugging Face cache built from a
# committed GPT-2-format fixture (random weights, GPT-2's 50257 tokens):
# dump --model gpt2 (ids as tokenize gives them, the last position's logits
# unless --all-logits), a folder with its own tokenizer files, a name not in
# the cache, a sentence over the context, heads (the detector table) and
# tokenize --model, and
# render to a PNG. The JSON checks need jq (skipped without it); every
# failure exits 2 with one line.
# usage: test_gpt2_cli.sh PATH_TO_ATTNVIZ FIXTURES_GPT2_DIR [window|no-window]
exe=${1:-build/attnviz}
fixtures=${2:-tests/torch/fixtures/gpt2}
window=${3:-window}
passed=0
failed=0
dir=$(mktemp -d)
out=$dir/out
errf=$dir/err
trap 'rm -rf "$dir"' EXIT
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

# expect STATUS TEXT -- ARGS...: exit status and a piece of stderr (one line on failure)
expect() {
    want_status=$1 want_text=$2
    shift 3
    "$exe" "$@" >"$out" 2>"$errf"
    status=$?
    if [ "$status" -ne "$want_status" ]; then
        bad "attnviz $*: exit $status, want $want_status; stderr: $(cat "$errf")"
    elif [ -n "$want_text" ] && ! grep -qF -- "$want_text" "$errf"; then
        bad "attnviz $*: stderr lacks '$want_text': $(cat "$errf")"
    elif [ "$want_status" -ne 0 ] && [ "$(wc -l <"$errf")" -ne 1 ]; then
        bad "attnviz $*: $(wc -l <"$errf") lines on stderr, want 1"
    else
        ok
    fi
}
# has TEXT: stdout holds it
has() { if grep -qF -- "$1" "$out"; then ok; else bad "output lacks '$1': $(head -c 400 "$out")"; fi; }

# the cache: hub/models--openai-community--gpt2/snapshots/<hash>/ and refs/main
fixture=$fixtures/v50257_d16_f16
repo=$dir/hf/hub/models--openai-community--gpt2
mkdir -p "$repo/snapshots/0123abcd" "$repo/refs"
cp "$fixture/model.safetensors" "$fixture/config.json" "$repo/snapshots/0123abcd/"
printf '0123abcd' >"$repo/refs/main"
export HF_HOME=$dir/hf
sentence="The animal didn't cross the street"

# dump --model gpt2: its ids are tokenize's with <|endoftext|> first
expect 0 "GPT-2's own vocabulary" -- dump --model gpt2 --sentence "$sentence"
has '"model_kind": "gpt2"'
has "\"model_file\": \"$repo/snapshots/0123abcd/model.safetensors\""
has '"words": ["<|endoftext|>", "The", "·animal", "·didn", "'"'"'t", "·cross", "·the", "·street"]'
has '"logits_from": 7,'
has '"n_layers": 2,'
dump_ids=$(sed -n 's/.*"token_ids": \[\(.*\)\].*/\1/p' "$out")
"$exe" tokenize --model gpt2 --eot --json --sentence "$sentence" >"$out" 2>"$errf"
tok_ids=$(sed -n 's/.*"ids": \[\([^]]*\)\].*/\1/p' "$out")
[ -n "$dump_ids" ] && [ "$dump_ids" = "$tok_ids" ] && ok ||
    bad "dump's token_ids '$dump_ids' differ from tokenize's '$tok_ids'"
case $dump_ids in 50256,*) ok ;; *) bad "token_ids do not start with 50256: $dump_ids" ;; esac

# every position's logits when asked; a row of 50257 numbers each
expect 0 "" -- dump --model gpt2 --sentence "$sentence" --all-logits --layer 2
has '"logits_from": 0,'
has '"layer": 2,'
expect 2 "--all-logits applies to a trained model" -- dump --all-logits

# a folder with its own tokenizer files (HF layout): no note, said in the dump
own=$dir/own
mkdir "$own"
cp "$fixture/model.safetensors" "$fixture/config.json" "$own/"
data=$("$exe" --version | sed -n 's/.*(data: \(.*\))$/\1/p')
cp "$data/assets/gpt2/encoder.json" "$own/vocab.json"
cp "$data/assets/gpt2/vocab.bpe" "$own/merges.txt"
expect 0 "" -- dump --model "$own" --sentence "$sentence"
[ -s "$errf" ] && bad "dump with its own tokenizer wrote to stderr: $(cat "$errf")" || ok
has '"tokenizer": "the tokenizer beside the model'
printf '{"a": 0' >"$own/vocab.json"
expect 2 "vocab.json is not valid JSON" -- dump --model "$own"

# not in the cache: where it looked and how to get it
HF_HOME=$dir/empty expect 2 "huggingface-cli download openai-community/gpt2 model.safetensors" -- dump --model gpt2
HF_HOME=$dir/empty expect 2 "$dir/empty/hub/models--gpt2" -- dump --model gpt2
HF_HOME=$dir/empty expect 2 "distilbert/distilgpt2" -- heads --model distilgpt2
HF_HOME=$dir/empty expect 2 "is not in the Hugging Face cache" -- tokenize x --model gpt2-medium

# another vocabulary with no tokenizer beside it; over the context; layers
expect 2 "are not GPT-2's 50257" -- dump --model "$fixtures/v64_d64_f32"
# GPT-2's vocabulary with no tokenizer beside it and none in the data (as in the page
# without the files opened together): says where it looked and what to add
mkdir "$dir/bare-data"
ATTNVIZ_DATA_DIR=$dir/bare-data expect 2 "no copy of GPT-2's own in attnviz's data ($dir/bare-data/assets/gpt2): put the model's vocab.json and merges.txt beside it" -- dump --model "$fixtures/v50257_d16_f16"
long="word$(printf ' word%.0s' $(seq 1 39))" # 40 words
expect 2 "41 tokens with the start token, more than the 32 of the model's context" -- dump --model gpt2 --sentence "$long"
expect 2 "--layer 3 does not exist" -- dump --model gpt2 --layer 3
# GPT-2 encodes spaces, but a sentence of them has no word: refused as elsewhere
expect 2 "the sentence is only whitespace: give at least one word" -- dump --model gpt2 --sentence "   "

# heads: the detector table, one row per head, scores in [0, 1]; the
# JSON has the same numbers under the detect keys; a progress line on
# stderr; the same seed gives the same table, another seed another
expect 0 "measured head roles on random repeated tokens: 8/8" -- heads --model gpt2
has "GPT-2, 2 layers × 4 heads, d_model 16, context 32, 50257 tokens"
has "head roles measured on 8 sequences of 15 random tokens repeated twice"
has "head    previous  duplicate  induction   first   name"
rows() { # the table's rows as "l.h prev dup ind first"
    awk '/^[0-9]+\.[0-9]+ / { printf "%s %.4f %.4f %.4f %.4f\n", $1, $2, $3, $4, $5 }' "$1"
}
cp "$out" "$dir/table"
rows "$dir/table" >"$dir/rows"
[ "$(wc -l <"$dir/rows")" -eq 8 ] && ok || bad "heads --model gpt2: $(wc -l <"$dir/rows") rows, want 8"
[ "$(cut -d' ' -f1 "$dir/rows" | tr '\n' ' ')" = "1.1 1.2 1.3 1.4 2.1 2.2 2.3 2.4 " ] && ok ||
    bad "heads rows are not 1.1 .. 2.4: $(cut -d' ' -f1 "$dir/rows" | tr '\n' ' ')"
awk '{ for (k = 2; k <= 5; k++) if (!($k >= 0 && $k <= 1)) bad = 1 } END { exit bad }' "$dir/rows" &&
    ok || bad "a score outside [0, 1]: $(cat "$dir/rows")"
# a head's previous and first scores share rows, so they sum to at most 1
awk '{ if ($2 + $5 > 1.0002) bad = 1 } END { exit bad }' "$dir/rows" && ok ||
    bad "previous + first over 1: $(cat "$dir/rows")"
expect 0 "" -- heads --model gpt2 --json
if command -v jq >/dev/null; then
    jq -r '.heads[] | "\(.layer + 1).\(.head + 1) \(.scores.previous_token) \(.scores.duplicate_token) \(.scores.induction) \(.scores.first_token)"' "$out" |
        awk '{ printf "%s %.4f %.4f %.4f %.4f\n", $1, $2, $3, $4, $5 }' >"$dir/jrows"
    cmp -s "$dir/rows" "$dir/jrows" && ok || bad "heads --json differs from the table: $(diff "$dir/rows" "$dir/jrows" | head -4)"
    [ "$(jq -r '.measured | "\(.sequences) \(.block) \(.start_id)"' "$out")" = "8 15 50256" ] && ok ||
        bad "heads --json measured: $(jq -c .measured "$out")"
    [ "$(jq -r '[.heads[] | .name] | length' "$out")" = 8 ] && ok || bad "heads --json: roles missing"
else
    echo "test_gpt2_cli: jq not installed (scripts/setup.sh deps gui): JSON checks skipped"
fi
expect 0 "" -- heads --model gpt2
rows "$out" | cmp -s - "$dir/rows" && ok || bad "heads --model gpt2 twice: different tables"
expect 0 "3/3" -- heads --model gpt2 --sequences 3 --seed 7
has "head roles measured on 3 sequences of 15 random tokens repeated twice"
has "seed 7"
rows "$out" | cmp -s - "$dir/rows" && bad "--sequences 3 --seed 7 gave the default table" || ok
expect 2 "--sequences 0 is out of range" -- heads --model gpt2 --sequences 0
expect 2 "--sequences 20001 is out of range" -- heads --model gpt2 --sequences 20001
expect 2 "--seed" -- heads --model gpt2 --seed -1
expect 2 "--seed is for a GPT-2" -- heads --seed 3
expect 2 "--rank on a GPT-2" -- heads --model gpt2 --rank

# tokenize with the model's tokenizer
expect 0 "" -- tokenize "Hello, world" --model gpt2
has "   995      6-12    ·world"
expect 2 "is not a GPT-2" -- tokenize x --model "$data/assets/models/attnviz-heads.safetensors"
expect 2 "give one" -- tokenize x --model gpt2 --vocab "$own"

# render through the same state path
if [ "$window" = window ]; then
    # the app (a window build): bad settings exit 2 with one line before any
    # window opens (the weights are not loaded for that: no display is needed)
    expect 2 "--layer 3 does not exist: gpt2 has 2 layers" -- --model gpt2 --layer 3
    words=$(printf ' word%.0s' $(seq 1 40))
    expect 2 "41 tokens with the start token, more than the 32 of the model's context" -- --model gpt2 --sentence "$words"
    expect 2 "huggingface" -- --model gpt2-large
    expect 2 "the sentence is only whitespace: give at least one word" -- --model gpt2 --sentence " $(printf '\t')"
    SDL_VIDEODRIVER=dummy expect 2 "the sentence is only whitespace: give at least one word" -- render --model gpt2 --sentence "   " --out "$dir/blank.png"
    expect 2 "gpt3 is no file or folder, and no model name attnviz looks up (gpt2, distilgpt2" -- --model gpt3
    SDL_VIDEODRIVER=dummy expect 0 "" -- render --model "$repo/snapshots/0123abcd" --sentence "$sentence" --out "$dir/f.png"
    [ -s "$dir/f.png" ] && [ "$(head -c 4 "$dir/f.png" | tail -c 3)" = PNG ] && ok || bad "render wrote no PNG"
    SDL_VIDEODRIVER=dummy expect 0 "" -- render --model gpt2 --view model --layer 2 --out "$dir/g.png" --layout "$dir/g.json"
    [ -s "$dir/g.png" ] && ok || bad "render --view model wrote no PNG"
    # the overview's picture waits for the head roles measured on their thread
    ! grep -q "measuring head roles" "$dir/g.json" && grep -q "clear role\|previous token\|induction\|first token" "$dir/g.json" &&
        ok || bad "render --view model drew before the head roles were measured"
fi

echo "test_gpt2_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
