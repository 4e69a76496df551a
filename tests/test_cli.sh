#!/bin/sh
# Command-line tests: every bad input exits 2 with one line on stderr that
# names the option and the fix; good input exits 0.
# usage: test_cli.sh PATH_TO_ATTNVIZ
exe=${1:-build/attnviz}
passed=0
failed=0
out=$(mktemp)
errf=$(mktemp)
trap 'rm -f "$out" "$errf" "$big"' EXIT

# expect STATUS TEXT -- ARGS...: exit status and a piece of stderr
expect() {
    want_status=$1 want_text=$2
    shift 3
    # $limit (say "timeout 10") turns a hang into a failure: exit 124.
    $limit "$exe" "$@" >"$out" 2>"$errf"
    status=$?
    lines=$(wc -l <"$errf")
    if [ "$status" -ne "$want_status" ]; then
        echo "FAIL: attnviz $*: exit $status, want $want_status; stderr: $(cat "$errf")"
        failed=$((failed + 1))
    elif [ "$want_status" -ne 0 ] && ! grep -qF -- "$want_text" "$errf"; then
        echo "FAIL: attnviz $*: stderr lacks '$want_text': $(cat "$errf")"
        failed=$((failed + 1))
    elif [ "$want_status" -ne 0 ] && [ "$lines" -ne 1 ]; then
        echo "FAIL: attnviz $*: $lines lines on stderr, want 1"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}

expect 0 "" -- --help
expect 0 "" -- --version
grep -q "^attnviz [0-9]" "$out" && passed=$((passed + 1)) || { echo "FAIL: --version"; failed=$((failed + 1)); }
expect 0 "" -- help
grep -q "usage" "$out" && passed=$((passed + 1)) || { echo "FAIL: help prints usage"; failed=$((failed + 1)); }
expect 0 "" -- dump
expect 0 "" -- dump --heads 8 --kv-heads 2 --causal --temperature 0.5 --seed 7
expect 0 "" -- dump --heads=2 --d-model=16 --no-scale

expect 2 "--heads 3 does not divide d_model 32" -- dump --heads 3 --d-model 32
expect 2 "--heads 0 is out of range" -- dump --heads 0
expect 2 "--kv-heads 3 does not divide heads 8" -- dump --kv-heads 3 --heads 8
expect 2 "--kv-heads 8 is out of range" -- dump --kv-heads 8 --heads 4
expect 2 "--d-model 0 is out of range" -- dump --d-model 0
expect 2 "--d-model -5 is out of range: use 1 to 4096" -- dump --d-model -5
expect 2 "--d-model 'abc' is not a whole number" -- dump --d-model abc
expect 2 "--d-model 100000 is out of range: use 1 to 4096" -- dump --d-model 100000
expect 2 "--d-model 99999999999999999999999 is out of range" -- dump --d-model 99999999999999999999999
expect 2 "--heads '4x' is not a whole number" -- dump --heads 4x
expect 2 "--temperature 0 is out of range" -- dump --temperature 0
expect 2 "--temperature -1 is out of range" -- dump --temperature -1
expect 2 "--temperature 'nan' is not a finite number" -- dump --temperature nan
expect 2 "--temperature 'inf' is not a finite number" -- dump --temperature inf
expect 2 "--temperature '' is not a finite number" -- dump --temperature ""
# Numbers in plain decimal only: no spaces either side, no hex.
expect 2 "--temperature ' 1' is not a finite number" -- dump --temperature " 1"
expect 2 "--temperature '1 ' is not a finite number" -- dump --temperature "1 "
expect 2 "--temperature '0x1p-3' is not a finite number" -- dump --temperature 0x1p-3
expect 2 "--temperature '1e' is not a finite number" -- dump --temperature 1e
expect 2 "--temperature '.' is not a finite number" -- dump --temperature .
expect 0 "" -- dump --temperature .5
expect 0 "" -- dump --temperature 2.
expect 0 "" -- dump --temperature 5e-1
expect 0 "" -- dump --temperature +1.5E0
expect 2 "--seed -1 is out of range: use 0 to" -- dump --seed -1
expect 2 "--seed 9007199254740992 is too large" -- dump --seed 9007199254740992
expect 2 "--seed 99999999999999999999999 is too large" -- dump --seed 99999999999999999999999
expect 2 "--max-tokens 0 is out of range" -- dump --max-tokens 0
expect 2 "--sentence: the sentence is empty" -- dump --sentence ""
expect 2 "--sentence: the sentence is only whitespace" -- dump --sentence "   	 "
expect 2 "invalid UTF-8 at byte 4" -- dump --sentence "$(printf 'The \303\050 cat')"
expect 2 "--max-tokens: the sentence has 5 tokens, more than the limit of 4" -- dump --sentence "one two three four five" --max-tokens 4
expect 2 "has 5 tokens" -- dump --sentence "one two three four five" --max-tokens 4
expect 0 "" -- dump --sentence "one two three four five" --max-tokens 5
expect 2 "unknown option '--haeds' (did you mean '--heads'?)" -- dump --haeds 4
expect 2 "unknown option '--frobnicate'" -- dump --frobnicate
expect 2 "unknown command 'dunp'" -- dunp
# Messages quote what was typed, but print one line with no control
# characters: a newline or a terminal escape becomes '?'.
no_controls() {
    if tr -d '\n' <"$errf" | LC_ALL=C grep -q '[[:cntrl:]]'; then
        echo "FAIL: $1: a control character on stderr: $(od -c "$errf" | head -3)"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}
nasty=$(printf -- '--x\n\033[2Jy')
expect 2 "unknown option '--x??[2Jy'" -- dump "$nasty"
no_controls "dump with an escape in an option"
expect 2 "unknown command '??[2Jy'" -- "$(printf '\n\033[2Jy')"
no_controls "an escape in a command"
expect 2 "--heads '4?' is not a whole number" -- dump --heads "$(printf '4\033')"
no_controls "an escape in a value"
expect 2 "" -- dump --sentence "$(printf 'a\033[2Jb')" --max-tokens 1
no_controls "an escape in the sentence"
expect 2 "--heads needs a value" -- dump --heads
expect 2 "--sentence needs a value" -- dump --sentence
# One parser for every command: its table gives --help, the refusals and
# which options belong to which command.
expect 0 "" -- dump --help
grep -q -- "--kv-heads G" "$out" && ! grep -q -- "--stage" "$out" && passed=$((passed + 1)) ||
    { echo "FAIL: dump --help: $(cat "$out")"; failed=$((failed + 1)); }
expect 0 "" -- render --help
grep -q -- "--stage NAME|N" "$out" && grep -q -- "--sentence S" "$out" && passed=$((passed + 1)) ||
    { echo "FAIL: render --help lacks its options"; failed=$((failed + 1)); }
expect 0 "" -- --help
for c in "attnviz dump" "attnviz render" "attnviz bench core" "attnviz bench render" "attnviz bench train" \
    "attnviz bench gpt2" "attnviz lesson list" "attnviz lesson check" "attnviz lesson render" "attnviz train" \
    "attnviz heads" "attnviz corpus" "attnviz --version"; do
    grep -qF -- "  $c" "$out" && passed=$((passed + 1)) || { echo "FAIL: --help lacks $c"; failed=$((failed + 1)); }
done
expect 2 "--sentence needs a value" -- dump --sentence --causal
expect 2 "--causal takes no value" -- dump --causal=1
expect 2 "--stage does not apply to dump" -- dump --stage=3
expect 2 "--sentence does not apply to train" -- train --sentence x
expect 2 "dump takes no arguments, not 'extra'" -- dump extra
expect 2 "the command comes first: attnviz dump" -- --causal dump
expect 2 "unknown option '--versoin' (did you mean '--version'?)" -- --versoin
expect 2 "--model needs a file name" -- dump --model=
expect 2 "bench needs a command: attnviz bench core, attnviz bench render, attnviz bench train or attnviz bench gpt2" -- bench
expect 2 "bench core takes --reference, not '--heads'" -- bench core --heads 2
expect 2 "bench render takes no arguments, not '--causal'" -- bench render --causal

# render: the same settings, plus what to draw and where
tmpdir=$(mktemp -d)
expect 0 "" -- render --stage softmax --heads 2 --out "$tmpdir/a.png"
[ -s "$tmpdir/a.png" ] && passed=$((passed + 1)) || { echo "FAIL: render wrote no PNG"; failed=$((failed + 1)); }
expect 0 "" -- render --stage 6 --causal --view focus --head 3 --theme light --size 800x600 --progress 0.5 --out "$tmpdir/b.png"
# the app checks its settings before it looks for a display (dummy: it would open)
SDL_VIDEODRIVER=dummy expect 2 "--sentence: the sentence is empty" -- --sentence ""
expect 2 "render needs --out FILE.png" -- render --stage 3
expect 2 "--out $tmpdir/a.jpg: attnviz writes a PNG image: give a path ending in .png" -- render --out "$tmpdir/a.jpg"
expect 2 "--ctx 1 is out of range: use 2 to 4096" -- corpus --ctx 1
expect 2 "--stage '11' is unknown" -- render --stage 11 --out "$tmpdir/c.png"
expect 2 "--stage 'sofmax' is unknown" -- render --stage sofmax --out "$tmpdir/c.png"
expect 2 "--progress 2 is out of range: use 0 to 1" -- render --progress 2 --out "$tmpdir/c.png"
expect 2 "--view 'grid' is unknown: use heads, focus or arcs" -- render --view grid --out "$tmpdir/c.png"
expect 2 "--view model shows the trained model's layers: add --weights trained" -- render --weights mechanics --view model --out "$tmpdir/c.png"
[ ! -e "$tmpdir/c.png" ] && passed=$((passed + 1)) || { echo "FAIL: render --view model drew"; failed=$((failed + 1)); }
expect 2 "--head 5 does not exist: there are 4 heads" -- render --weights mechanics --head 5 --out "$tmpdir/c.png"
expect 2 "has 4 heads (1 to 4)" -- render --head 5 --out "$tmpdir/c.png"
expect 2 "--head 0 is out of range" -- render --head 0 --out "$tmpdir/c.png"
expect 2 "--size '10x10' is not a size" -- render --size 10x10 --out "$tmpdir/c.png"
expect 2 "--size '1280' is not a size" -- render --size 1280 --out "$tmpdir/c.png"
expect 2 "--theme 'blue' is unknown: use dark or light" -- render --theme blue --out "$tmpdir/c.png"
expect 2 "cannot be written" -- render --out /nonexistent-dir/c.png
expect 2 "/nonexistent-dir/c.json cannot be written" -- render --out "$tmpdir/c.png" --layout /nonexistent-dir/c.json
expect 2 "--layout needs a file name" -- render --out "$tmpdir/c.png" --layout ""
expect 2 "the app shows at most 256 tokens" -- render --max-tokens 300 --out "$tmpdir/c.png"
expect 2 "--stage does not apply to dump" -- dump --stage 3
expect 2 "--out does not apply to the app" -- --out x.png
[ ! -e "$tmpdir/c.png" ] && passed=$((passed + 1)) || { echo "FAIL: a failed render left a file"; failed=$((failed + 1)); }

# The source render (and the app) open on: the trained model on its start
# sentence; random weights when named, or when a setting only they have is
# given; the trained model still refuses those settings when it is named.
source_of() { # what render draws for "$@": "trained SENTENCE" or "mechanics SENTENCE"
    "$exe" render --stage 1 "$@" --out "$tmpdir/s.png" --layout "$tmpdir/s.json" >/dev/null 2>&1 || { echo "failed"; return; }
    jq -r '[.items[] | select(.kind == "text") | .text] as $t
           | (if ($t | index("⟨start⟩")) then "trained" else "mechanics" end)
             + " " + ($t | index("tokens:") as $i | $t[$i + 1:$i + 4] | join(" "))' "$tmpdir/s.json"
}
check_source() { # want args...
    local want=$1; shift
    local got; got=$(source_of "$@")
    [ "$got" = "$want" ] && passed=$((passed + 1)) ||
        { echo "FAIL: render $*: draws '$got', want '$want'"; failed=$((failed + 1)); }
}
check_source "trained ⟨start⟩ The girl"
check_source "trained ⟨start⟩ The girl" --weights trained
check_source "mechanics The robot sat" --weights mechanics
check_source "mechanics The robot sat" --heads 8
check_source "mechanics The robot sat" --seed 7 --causal
check_source "mechanics The cat sat" --weights mechanics --sentence "The cat sat on the mat"
check_source "trained ⟨start⟩ The cat" --sentence "The cat sat on the mat"
expect 2 "--heads does not apply to a trained model" -- render --weights trained --heads 8 --out "$tmpdir/c.png"
# dump keeps its default: random weights (no start token) on the robot sentence
got=$("$exe" dump 2>/dev/null | jq -r '.source // "mechanics"' )
toks=$("$exe" dump 2>/dev/null | jq -r '.tokens | join(" ")')
[ "$got $toks" = "mechanics The robot sat on the floor because it was tired ." ] && passed=$((passed + 1)) ||
    { echo "FAIL: dump with no options: '$got $toks'"; failed=$((failed + 1)); }
# With random weights stages 7 and 8 say why the rows are near uniform, with
# the numbers of this model (1/n: n = 11 tokens); the trained model does not.
note_of() { # the note about random weights render draws for "$@", or ""
    "$exe" render "$@" --out "$tmpdir/s.png" --layout "$tmpdir/s.json" >/dev/null 2>&1 &&
        jq -r '[.items[] | select(.kind == "text") | .text | select(test("^random weights"))] | join("|")' "$tmpdir/s.json"
}
for st in 7 8; do
    note=$(note_of --weights mechanics --stage $st)
    case $note in *"near 1/n = 0.09 (largest 0."*) passed=$((passed + 1)) ;;
    *) echo "FAIL: render --weights mechanics --stage $st: note '$note'"; failed=$((failed + 1)) ;; esac
    note=$(note_of --stage $st)
    [ -z "$note" ] && passed=$((passed + 1)) || { echo "FAIL: render --stage $st (trained) notes '$note'"; failed=$((failed + 1)); }
    # at T = 0.05 the same random scores pick one key: the note says so, not "near 1/n"
    note=$(note_of --weights mechanics --stage $st --temperature 0.05)
    case $note in *"near 1/n"* | "") echo "FAIL: render --weights mechanics --stage $st --temperature 0.05: note '$note'"; failed=$((failed + 1)) ;;
    *"largest weight 1.00"* | *"(largest 1.00"*) passed=$((passed + 1)) ;;
    *) echo "FAIL: --temperature 0.05 stage $st: note '$note'"; failed=$((failed + 1)) ;; esac
    # causal: the early rows see few keys, and row 4 of a random head already
    # gives one key 0.56, over twice its even share 1/4: not "near 1/n"
    note=$(note_of --weights mechanics --stage $st --causal)
    case $note in *"near 1/n"* | "") echo "FAIL: render --weights mechanics --stage $st --causal: note '$note'"; failed=$((failed + 1)) ;;
    *"largest weight 0.56"*"1/4 (row 4's even share) = 0.25"*) passed=$((passed + 1)) ;;
    *) echo "FAIL: --causal stage $st: note '$note'"; failed=$((failed + 1)) ;; esac
done
# a font that cannot be read: the message says what to do, nothing is written
ATTNVIZ_FONT=/nonexistent/font.ttf "$exe" render --out "$tmpdir/d.png" >"$out" 2>"$errf"
if [ $? -eq 2 ] && grep -q "ATTNVIZ_FONT=/nonexistent/font.ttf cannot be read" "$errf" && [ ! -e "$tmpdir/d.png" ]; then
    passed=$((passed + 1))
else
    echo "FAIL: unreadable font: $(cat "$errf")"; failed=$((failed + 1))
fi
rm -rf "$tmpdir"

# A sentence of 70 words is refused with the count, not truncated.
long=$(printf 'word %.0s' $(seq 1 70))
expect 2 "has 70 tokens, more than the limit of 64" -- dump --sentence "$long"

# A long sentence (100 kB, near the largest single argument Linux passes) is
# refused quickly with the count (the 10 MB case is in test_tokenize).
big=$(mktemp)
head -c 100000 /dev/zero | tr '\0' 'a' | sed 's/aaaa/aaa /g' >"$big"
start=$(date +%s)
expect 2 "has 25000 tokens, more than the limit of 64" -- dump --sentence "$(cat "$big")"
[ $(($(date +%s) - start)) -le 5 ] && passed=$((passed + 1)) || { echo "FAIL: a long sentence took too long"; failed=$((failed + 1)); }

# The same sentence, settings and seed give byte-identical output.
a=$("$exe" dump --heads 2 --seed 99 | md5sum)
b=$("$exe" dump --heads 2 --seed 99 | md5sum)
[ "$a" = "$b" ] && passed=$((passed + 1)) || { echo "FAIL: dump is not deterministic"; failed=$((failed + 1)); }

# ---- lessons: `lesson list` on stdout; `lesson check` prints "FILE: ok, N steps"
# on stdout for a good file and every error "FILE:LINE: message" on stderr,
# then one summary line "attnviz: lesson check: ..." and exit 2.
expect 0 "" -- lesson list
grep -q "steps)$" "$out" && ! grep -q "README" "$out" && passed=$((passed + 1)) ||
    { echo "FAIL: lesson list: $(cat "$out")"; failed=$((failed + 1)); }
expect 2 "lesson needs a command: attnviz lesson list, attnviz lesson check FILE..." -- lesson
expect 2 "unknown lesson command 'play': use attnviz lesson list" -- lesson play x.md
expect 2 "lesson check needs at least one FILE" -- lesson check
expect 2 "lesson list takes no arguments, not 'extra'" -- lesson list extra
expect 2 "lesson check takes files, not '--strict'" -- lesson check --strict a.md
expect 0 "" -- lesson --help
expect 2 "unknown command 'lessons': use dump, render, bench, lesson" -- lessons

ldir=$(mktemp -d)
printf '# Good\n\nA summary.\n\n## Step\n\n{{n}} tokens.\n\n```attnviz\nheads: 2\n```\n' >"$ldir/good.md"
printf '# Bad\n\nS.\n\n## Step\n\n```attnviz\nhaeds: 3\nheads: 3\n```\n\n{{nope}}\n' >"$ldir/bad.md"
# check_lesson STATUS STDOUT_TEXT STDERR_TEXT FILES...
check_lesson() {
    want_status=$1 want_out=$2 want_err=$3
    shift 3
    $limit "$exe" lesson check "$@" >"$out" 2>"$errf"
    status=$?
    if [ "$status" -ne "$want_status" ]; then
        echo "FAIL: lesson check $*: exit $status, want $want_status; stderr: $(cat "$errf")"
        failed=$((failed + 1))
    elif [ -n "$want_out" ] && ! grep -qF -- "$want_out" "$out"; then
        echo "FAIL: lesson check $*: stdout lacks '$want_out': $(cat "$out")"
        failed=$((failed + 1))
    elif [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$errf"; then
        echo "FAIL: lesson check $*: stderr lacks '$want_err': $(cat "$errf")"
        failed=$((failed + 1))
    elif [ "$want_status" -eq 0 ] && [ -s "$errf" ]; then
        echo "FAIL: lesson check $*: stderr not empty: $(cat "$errf")"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}
check_lesson 0 "$ldir/good.md: ok, 1 step" "" "$ldir/good.md"
check_lesson 2 "" "$ldir/bad.md:8: unknown directive 'haeds' (did you mean 'heads'?)" "$ldir/bad.md"
check_lesson 2 "" "$ldir/bad.md:9: heads 3 does not divide d_model 32" "$ldir/bad.md"
check_lesson 2 "" "$ldir/bad.md:12: unknown live value '{{nope}}'" "$ldir/bad.md"
check_lesson 2 "" "attnviz: lesson check: $ldir/bad.md has errors" "$ldir/bad.md"
[ "$(wc -l <"$errf")" -eq 4 ] && [ ! -s "$out" ] && passed=$((passed + 1)) ||
    { echo "FAIL: lesson check bad.md: want 3 errors and a summary: $(cat "$errf")"; failed=$((failed + 1)); }
check_lesson 2 "$ldir/good.md: ok, 1 step" "attnviz: lesson check: 2 of 3 files have errors" \
    "$ldir/good.md" "$ldir/bad.md" "$ldir/missing.md"
check_lesson 2 "" "$ldir/missing.md: cannot read: No such file or directory" "$ldir/missing.md"
check_lesson 2 "" "$ldir is not a regular file (a folder): give a lesson file" "$ldir"
# A FIFO is refused before it is opened: opening one with no writer waits forever.
mkfifo "$ldir/fifo.md"
limit="timeout 10"
check_lesson 2 "" "$ldir/fifo.md is not a regular file (a FIFO): give a lesson file" "$ldir/fifo.md"
expect 2 "$ldir/fifo.md is not a regular file (a FIFO)" -- lesson "$ldir/fifo.md"
limit=
check_lesson 0 "$ldir/README.md: skipped, a guide (README.md, TEACHING.md) is not a lesson" "" "$ldir/README.md"
check_lesson 0 "$ldir/TEACHING.md: skipped, a guide (README.md, TEACHING.md) is not a lesson" "" "$ldir/TEACHING.md"

# ---- lesson render: one PNG per step, each path printed; lesson FILE ----------
lesson=lessons/03-why-scale.md
here=$(dirname "$0")/..
[ -f "$lesson" ] || lesson=$here/lessons/03-why-scale.md
steps=$("$exe" lesson check "$lesson" | sed -n 's/.*: ok, \([0-9]*\) steps*$/\1/p')
mkdir "$ldir/frames"
expect 0 "" -- lesson render "$lesson" --out "$ldir/frames" --size 640x400 --theme light
pngs=$(ls "$ldir/frames"/step-[0-9][0-9].png 2>/dev/null | wc -l)
printed=$(grep -c "step-[0-9]*\.png$" "$out")
# a step with a prediction is drawn a second time, answered
predicts=$(grep -c '^```predict' "$lesson")
answered=$(ls "$ldir/frames"/step-*-answered.png 2>/dev/null | wc -l)
[ -n "$steps" ] && [ "$pngs" -eq "$steps" ] && [ "$printed" -eq "$steps" ] &&
    [ "$answered" -eq "$predicts" ] && [ "$(grep -c -- "-answered\.png$" "$out")" -eq "$predicts" ] &&
    [ -f "$ldir/frames/step-01.png" ] && passed=$((passed + 1)) ||
    { echo "FAIL: lesson render: $pngs PNGs, $printed printed, want $steps; $answered answered, want $predicts"; failed=$((failed + 1)); }
expect 2 "--out $ldir/nothere is not a folder" -- lesson render "$lesson" --out "$ldir/nothere"
expect 2 "--out $ldir/good.md is a file, not a folder" -- lesson render "$lesson" --out "$ldir/good.md"
expect 2 "lesson render needs --out DIR" -- lesson render "$lesson"
expect 2 "lesson render needs a FILE" -- lesson render --out "$ldir/frames"
expect 2 "--heads does not apply to lesson render; see attnviz lesson render --help" -- lesson render "$lesson" --out "$ldir" --heads 2
expect 2 "$ldir/bad.md:8: unknown directive 'haeds'" -- lesson render "$ldir/bad.md" --out "$ldir/frames"
expect 2 "$ldir/bad.md:8: unknown directive 'haeds'" -- lesson "$ldir/bad.md"
expect 2 "$ldir/missing.md: cannot read" -- lesson "$ldir/missing.md"
DISPLAY= WAYLAND_DISPLAY= expect 2 "no display available" -- lesson "$lesson"
rm -rf "$ldir"

# ---- the trained source: --model FILE, --weights trained, --layer N --------------
mdir=$(mktemp -d)
model=$mdir/tiny.safetensors
"$exe" train --steps 2 --layers 2 --heads 2 --d-model 16 --ctx 16 --batch 2 --warmup 1 \
    --eval-every 0 --out "$model" --quiet >/dev/null 2>&1
[ -s "$model" ] && passed=$((passed + 1)) || { echo "FAIL: train made no model"; failed=$((failed + 1)); }
expect 0 "" -- dump --model "$model"
grep -q '"token_ids": \[0, ' "$out" && grep -q '"logits"' "$out" && grep -q '"layer": 1,' "$out" &&
    passed=$((passed + 1)) || { echo "FAIL: dump --model lacks its keys"; failed=$((failed + 1)); }
expect 0 "" -- dump --model="$model" --layer 2 --causal --sentence "the cat sat"
grep -q '"layer": 2,' "$out" && passed=$((passed + 1)) || { echo "FAIL: --layer 2 not dumped"; failed=$((failed + 1)); }
expect 0 "" -- dump --weights trained --model "$model"
expect 0 "" -- render --model "$model" --layer 2 --stage softmax --view focus --head 2 --out "$mdir/f.png"
[ -s "$mdir/f.png" ] && passed=$((passed + 1)) || { echo "FAIL: render --model wrote no PNG"; failed=$((failed + 1)); }
expect 2 "--model $mdir/missing.safetensors: cannot read" -- dump --model "$mdir/missing.safetensors"
expect 2 "--model $mdir/missing.safetensors: cannot read" -- render --model "$mdir/missing.safetensors" --out "$mdir/g.png"
mkfifo "$mdir/fifo"
limit="timeout 10"
expect 2 "--model $mdir/fifo is not a regular file (a FIFO): give a model file" -- dump --model "$mdir/fifo"
expect 2 "--model $mdir/fifo is not a regular file (a FIFO)" -- heads --model "$mdir/fifo"
expect 2 "--model $mdir is not a regular file (a folder): give a model file" -- dump --model "$mdir"
limit=
head -c 3000 "$model" >"$mdir/corrupt.safetensors"
expect 2 "--model $mdir/corrupt.safetensors: " -- dump --model "$mdir/corrupt.safetensors"
expect 2 "--model $mdir/corrupt.safetensors: " -- heads --model "$mdir/corrupt.safetensors"
expect 2 "--model $mdir/corrupt.safetensors: " -- render --model "$mdir/corrupt.safetensors" --out "$mdir/g.png"
printf 'not a model at all' >"$mdir/text.safetensors"
expect 2 "--model $mdir/text.safetensors: " -- dump --model "$mdir/text.safetensors"
expect 2 "--layer 3 does not exist: $model has 2 layers (1 to 2)" -- dump --model "$model" --layer 3
expect 2 "--layer 0 does not exist: layers are numbered from 1" -- dump --model "$model" --layer 0
expect 2 "--layer 49 does not exist: no model attnviz reads has more than 48 layers" -- dump --model "$model" --layer 49
expect 2 "--layer '-1' is not a layer: layers are numbered from 1" -- dump --model "$model" --layer -1
expect 2 "--layer 'two' is not a layer: layers are numbered from 1" -- dump --model "$model" --layer two
expect 2 "--head 3 does not exist: $model has 2 heads (1 to 2)" -- render --model "$model" --head 3 --out "$mdir/g.png"
expect 2 "--d-model does not apply to a trained model: the model fixes d_model" -- dump --model "$model" --d-model 32
expect 2 "--d-model does not apply to a trained model" -- dump --d-model 32 --weights trained
expect 2 "--heads does not apply to a trained model" -- render --heads 8 --model "$model" --out "$mdir/g.png"
expect 2 "--kv-heads does not apply to a trained model" -- dump --model "$model" --kv-heads 1
expect 2 "--no-scale does not apply to a trained model" -- dump --model "$model" --no-scale
expect 2 "--temperature does not apply to a trained model" -- dump --model "$model" --temperature 2
expect 2 "--seed does not apply to a trained model" -- dump --model "$model" --seed 3
expect 2 "--max-tokens does not apply to a trained model" -- dump --model "$model" --max-tokens 8
expect 2 "--layer applies to a trained model: add --model FILE" -- dump --layer 2
expect 2 "--model $model needs the trained source: drop --weights mechanics" -- dump --weights mechanics --model "$model"
expect 2 "--weights 'random' is unknown: use mechanics or trained" -- dump --weights random
expect 2 "--model needs a file" -- dump --model ""
expect 2 "--model needs a value" -- dump --model
expect 2 "the model reads at most 15" -- dump --model "$model" --sentence "$(printf 'the cat %.0s' $(seq 1 10))"
expect 2 "shorten the sentence" -- render --model "$model" --sentence "$(printf 'the cat %.0s' $(seq 1 10))" --out "$mdir/g.png"
[ ! -e "$mdir/g.png" ] && passed=$((passed + 1)) || { echo "FAIL: a failed render --model left a file"; failed=$((failed + 1)); }
expect 2 "--sentence: invalid UTF-8 at byte 4" -- dump --model "$model" --sentence "$(printf 'The \303\050 cat')"
# the shipped model: used when present, else a message that says how to get one
shipped=$(dirname "$0")/../assets/models/attnviz-heads.safetensors
if [ -f "$shipped" ]; then
    expect 0 "" -- dump --weights trained
else
    expect 2 "is missing: set ATTNVIZ_DATA_DIR" -- dump --weights trained
fi
DISPLAY= WAYLAND_DISPLAY= expect 2 "no display available" -- --model "$model"
expect 2 "--model $mdir/missing.safetensors: cannot read" -- --model "$mdir/missing.safetensors"
# the same model, sentence and layer give byte-identical output
a=$("$exe" dump --model "$model" --layer 2 | md5sum)
b=$("$exe" dump --model "$model" --layer 2 | md5sum)
[ "$a" = "$b" ] && passed=$((passed + 1)) || { echo "FAIL: dump --model is not deterministic"; failed=$((failed + 1)); }
rm -rf "$mdir"

# lesson FILE takes a theme, nothing else
expect 2 "lesson FILE takes --theme dark|light and --present, not '--frob'" -- lesson lessons/01-soft-lookup.md --frob
expect 2 "--theme 'blue' is unknown: use dark or light" -- lesson lessons/01-soft-lookup.md --theme blue

echo "test_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
