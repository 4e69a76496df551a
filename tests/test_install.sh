#!/bin/sh
# Installs attnviz into a temporary prefix and runs the installed program
# from another working directory: it must read the data installed under its
# prefix (not the source tree), follow the prefix when it is moved, and say
# in one line, with exit status 2, when ATTNVIZ_DATA_DIR points at a folder
# without the shipped model.
# usage: test_install.sh CMAKE BUILD_DIR [window|no-window]
cmake=$1
build=$2
window=${3:-window}
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset ATTNVIZ_DATA_DIR ATTNVIZ_FONT
export SDL_VIDEODRIVER=dummy

pass() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
finish() {
    echo "test_install: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# run NAME ARGS...: runs the installed program, stdout in $out, stderr in
# $errf, its status in $status
run() {
    name=$1
    shift
    "$exe" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    status=$?
    out=$tmp/$name.out
    errf=$tmp/$name.err
}

# expect_ok: status 0 and nothing on stderr
expect_ok() {
    if [ "$status" -eq 0 ]; then pass; else fail "$1: exit $status: $(cat "$errf")"; fi
}

# expect_refused WHAT TEXT...: status 2 and one line on stderr holding each TEXT
expect_refused() {
    what=$1
    shift
    lines=$(wc -l <"$errf")
    if [ "$status" -ne 2 ]; then
        fail "$what: exit $status, want 2: $(cat "$errf")"
        return
    fi
    if [ "$lines" -ne 1 ]; then
        fail "$what: $lines lines on stderr, want 1: $(cat "$errf")"
        return
    fi
    for text in "$@"; do
        if ! grep -qF -- "$text" "$errf"; then
            fail "$what: stderr lacks '$text': $(cat "$errf")"
            return
        fi
    done
    pass
}

prefix=$tmp/prefix
if ! "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    fail "cmake --install $build --prefix $prefix: $(tail -n 3 "$tmp/install.log")"
    finish
fi
pass

for f in bin/attnviz share/attnviz/lessons/README.md share/attnviz/lessons/03-why-scale.md \
    share/attnviz/assets/models/attnviz-heads.safetensors \
    share/attnviz/assets/models/attnviz-heads.loss.csv \
    share/attnviz/assets/models/attnviz-heads.loss.png \
    share/attnviz/assets/gpt2/encoder.json share/attnviz/assets/gpt2/vocab.bpe \
    share/attnviz/assets/gpt2/LICENSE-openai-gpt-2 \
    share/applications/attnviz.desktop share/icons/hicolor/scalable/apps/attnviz.svg; do
    if [ -s "$prefix/$f" ]; then pass; else fail "not installed: $f"; fi
done
desktop=$prefix/share/applications/attnviz.desktop
for line in '[Desktop Entry]' 'Type=Application' 'Exec=attnviz' 'Icon=attnviz' \
    'Terminal=false' 'Categories=Education;Science;'; do
    if grep -qxF "$line" "$desktop"; then pass; else fail "attnviz.desktop lacks '$line'"; fi
done
if grep -q '<svg' "$prefix/share/icons/hicolor/scalable/apps/attnviz.svg"; then pass; else
    fail "attnviz.svg is not an SVG"
fi

# From a working directory that holds no data, away from the source tree.
work=$tmp/work
mkdir "$work"
cd "$work" || exit 1

# check_prefix PREFIX: the installed program reads PREFIX/share/attnviz
check_prefix() {
    exe=$1/bin/attnviz
    data=$1/share/attnviz

    run version --version
    expect_ok "--version"
    case $(cat "$out") in
    "attnviz "[0-9]*" (data: $data)") pass ;;
    *) fail "--version names another data folder: $(cat "$out"), want $data" ;;
    esac

    run dump dump --weights trained
    expect_ok "dump --weights trained"
    if grep -qF "\"model\": \"$data/assets/models/attnviz-heads.safetensors\"" "$out"; then pass
    else fail "dump --weights trained did not read the installed model: $(grep '"model"' "$out")"
    fi

    run tokenize tokenize Hello, world --json
    expect_ok "tokenize"
    if grep -qF "\"vocab\": \"$data/assets/gpt2\"" "$out" && grep -qF '"ids": [15496, 11, 995]' "$out"
    then pass
    else fail "tokenize did not read the installed GPT-2 vocabulary: $(head -c 200 "$out")"
    fi

    run list lesson list
    expect_ok "lesson list"
    n=$(grep -c "^$data/lessons/[0-9].*\.md  " "$out")
    want=$(ls "$data"/lessons/[0-9]*.md | wc -l)
    if [ "$n" -gt 0 ] && [ "$n" -eq "$want" ] && [ "$(wc -l <"$out")" -eq "$n" ]; then pass
    else fail "lesson list shows $n installed lessons of $want: $(head -n 3 "$out")"
    fi

    # every installed lesson, some of them with steps on the shipped model
    run check lesson check "$data"/lessons/[0-9]*.md
    expect_ok "lesson check on the installed lessons"
}
check_prefix "$prefix"

# Rendering (the window build) needs a font: attnviz ships none, fontconfig
# finds DejaVu Sans (fonts-dejavu-core, which the set-up installs).
if [ "$window" = window ]; then
    run render render --stage softmax --size 320x200 --out "$work/frame.png"
    expect_ok "render from $work"
    if [ "$(head -c 4 "$work/frame.png" 2>/dev/null | od -An -c | tr -d ' ')" = '211PNG' ]; then pass
    else fail "render wrote no PNG"
    fi
fi

# The prefix moved elsewhere: the program follows it.
mv "$prefix" "$tmp/moved"
check_prefix "$tmp/moved"
exe=$tmp/moved/bin/attnviz

# ATTNVIZ_DATA_DIR wins, and a folder without the model is reported.
empty=$tmp/empty
mkdir "$empty"
export ATTNVIZ_DATA_DIR="$empty"
run version --version
expect_ok "--version with ATTNVIZ_DATA_DIR"
if grep -qxF "attnviz $(sed 's/^attnviz \([^ ]*\).*/\1/' "$tmp/version.out") (data: $empty)" "$out"
then pass; else fail "--version with ATTNVIZ_DATA_DIR=$empty: $(cat "$out")"
fi
run dump dump --weights trained
expect_refused "dump --weights trained, ATTNVIZ_DATA_DIR empty" \
    "the shipped model $empty/assets/models/attnviz-heads.safetensors is missing" \
    "ATTNVIZ_DATA_DIR" "reinstall"
run heads heads
expect_refused "heads, ATTNVIZ_DATA_DIR empty" "shipped model" "ATTNVIZ_DATA_DIR"
run list lesson list
expect_refused "lesson list, ATTNVIZ_DATA_DIR empty" "$empty/lessons" "ATTNVIZ_DATA_DIR"

export ATTNVIZ_DATA_DIR="$tmp/no-such-folder"
run version --version
if [ "$status" -eq 0 ] && grep -qF "ATTNVIZ_DATA_DIR=$tmp/no-such-folder is not a folder" "$out"
then pass; else fail "--version with a missing ATTNVIZ_DATA_DIR: $(cat "$out" "$errf")"
fi
run dump dump --weights trained
expect_refused "dump --weights trained, ATTNVIZ_DATA_DIR missing" "shipped model" \
    "ATTNVIZ_DATA_DIR"

finish
