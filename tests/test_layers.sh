#!/bin/sh
# The layers' one-way rules, checked on the source (docs/ARCHITECTURE.md):
#   - nothing below the app includes SDL or cglm, or anything of a layer above;
#   - nothing below the command line names a command-line option ("--heads"):
#     messages name settings in plain words, and the command line maps them;
#   - no file of src/ is longer than 850 lines.
# usage: test_layers.sh SOURCE_DIR
src=${1:-.}/src
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

# includes_none LAYER PATTERN WHAT: no file of src/LAYER includes PATTERN
includes_none() {
    hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" "$src/$1"/*.c "$src/$1"/*.h 2>/dev/null)
    if [ -z "$hits" ]; then ok; else bad "src/$1 includes $3: $hits"; fi
}
for layer in core model lesson state; do
    includes_none "$layer" "SDL|cglm/" "SDL or cglm"
done
# a layer's private headers are its own: the app's and the command line's
# never appear below them (app.h, render.h, cli.h, ...)
app_headers=$(cd "$src/app" && ls *.h | tr '\n' '|' | sed 's/|$//; s/\./\\./g')
cli_headers=$(cd "$src/cli" && ls *.h | tr '\n' '|' | sed 's/|$//; s/\./\\./g')
state_headers=$(cd "$src/state" && ls *.h | tr '\n' '|' | sed 's/|$//; s/\./\\./g')
for layer in core model lesson state; do
    includes_none "$layer" "($app_headers)\"" "an app header"
    includes_none "$layer" "($cli_headers)\"" "a command-line header"
done
includes_none app "($cli_headers)\"" "a command-line header"
for layer in core model lesson; do
    includes_none "$layer" "($state_headers)\"" "a state header"
done
includes_none core "attnviz/(model|heads|corpus|safetensors|train|lesson)\.h" "a header of the model or lesson layer"
includes_none model "attnviz/lesson\.h" "the lesson layer's header"
includes_none lesson "attnviz/(model|heads|corpus|safetensors|train)\.h" "the model layer's headers"

# String literals that name an option: "--" then a letter, inside quotes.
for layer in core model lesson state; do
    hits=$(grep -nE '"[^"]*--[a-z][^"]*"' "$src/$layer"/*.c "$src/$layer"/*.h 2>/dev/null |
        grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*|//)')
    if [ -z "$hits" ]; then ok; else bad "src/$layer names a command-line option: $hits"; fi
done

for f in "$src"/*/*.c "$src"/*/*.h; do
    n=$(wc -l <"$f")
    if [ "$n" -le 850 ]; then ok; else bad "$f has $n lines: split it by what it holds"; fi
done

echo "test_layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
