#!/bin/sh
# Every file attnviz writes goes through one checked writer: a write that
# fails exits 2 with one line naming the file, leaves the file that was there
# byte for byte, and leaves no temporary file behind. Three faults: the target
# is a link to /dev/full (refused: a rename would replace the device), a
# file-size limit (ulimit -f, SIGXFSZ ignored so the write gets EFBIG), and a
# full disk: a 64 KiB tmpfs mounted in a private user and mount namespace
# (unshare -rm; skipped with a note where the kernel does not allow one).
# usage: test_write_faults.sh PATH_TO_ATTNVIZ [window|no-window] [SOURCE_DIR]
# (no-window: a build without SDL, where only train's model and log are written)
exe=${1:-build/attnviz}
window=${2:-window}
src=${3:-.}
part=${4:-all}
passed=0
failed=0
dir=$(mktemp -d)
errf="$dir/err"
trap 'rm -rf "$dir"' EXIT
export SDL_VIDEODRIVER=dummy

ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

# no_temps FOLDER: nothing the writer made and left behind
no_temps() {
    left=$(ls -A "$1" | grep -E '\.tmp-|\.attnviz-write-test')
    if [ -z "$left" ]; then ok; else bad "temporary files left in $1: $left"; fi
}

# failed STATUS TEXT WHAT: exit 2 and one line of stderr containing TEXT
failed() {
    if [ "$1" -ne 2 ]; then
        bad "$3: exit $1, want 2; stderr: $(cat "$errf")"
    elif ! grep -qF -- "$2" "$errf"; then
        bad "$3: stderr lacks '$2': $(cat "$errf")"
    elif [ "$(wc -l <"$errf")" -ne 1 ]; then
        bad "$3: $(wc -l <"$errf") lines on stderr, want 1: $(cat "$errf")"
    else
        ok
    fi
}

# limited ARGS...: attnviz under an 8-block file-size limit
limited() {
    (trap '' XFSZ; ulimit -f 8; exec "$exe" "$@") >/dev/null 2>"$errf"
}

# intact FILE: the same bytes as FILE.good
intact() {
    if cmp -s "$1" "$1.good"; then ok; else bad "$1 was changed by a failed write"; fi
}

tiny="--layers 1 --heads 2 --d-model 16 --ctx 16 --batch 4 --steps 5 --warmup 1 --quiet"

# ---- a full disk (run inside the private namespace) -------------------------------------
if [ "$part" = full-disk ]; then
    d="$dir/small"
    mkdir "$d"
    mount -t tmpfs -o size=64k attnviz-test "$d" || { echo "FAIL: mount"; exit 1; }
    exe=$(realpath "$exe")
    if [ "$window" = window ]; then
        # a small picture fits; a large one over it does not, and the small one stays
        "$exe" render --out "$d/x.png" --size 160x100 >/dev/null 2>"$errf" ||
            bad "render a small picture on the small disk: $(cat "$errf")"
        cp "$d/x.png" "$dir/x.png.good"
        "$exe" render --out "$d/x.png" --size 1920x1080 >/dev/null 2>"$errf"
        failed $? "$d/x.png could not be written: No space left on device" "render onto a full disk"
        cmp -s "$d/x.png" "$dir/x.png.good" && ok || bad "render on a full disk changed the old file"
        no_temps "$d"
        rm -f "$d/x.png"
    fi
    # a model bigger than the disk: no model, no log, no plot, nothing left over
    # shellcheck disable=SC2086
    "$exe" train --layers 2 --heads 2 --d-model 64 --ctx 16 --batch 4 --steps 2 --warmup 1 \
        --quiet --out "$d/m.st" >/dev/null 2>"$errf"
    failed $? "No space left on device" "train --out onto a full disk"
    [ -e "$d/m.st" ] && bad "train on a full disk left a model file"
    no_temps "$d"
    umount "$d"
    echo "test_write_faults (full disk): $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi
if [ "$part" = all ]; then
    if unshare -rm true 2>/dev/null; then
        unshare -rm sh "$0" "$exe" "$window" "$src" full-disk && ok || bad "the full-disk part"
    else
        echo "test_write_faults: no private mount namespace here; the full-disk part is skipped"
    fi
fi

if [ "$window" = window ]; then
    # ---- render --out ----------------------------------------------------------------
    d="$dir/render"
    mkdir "$d"
    ln -s /dev/full "$d/full.png"
    "$exe" render --out "$d/full.png" >/dev/null 2>"$errf"
    failed $? "$d/full.png" "render --out a link to /dev/full"
    no_temps "$d"
    [ -L "$d/full.png" ] && ok || bad "render replaced the link to /dev/full"

    # --layout onto the device: refused before anything is drawn or written
    ln -s /dev/full "$d/full.json"
    "$exe" render --out "$d/b.png" --layout "$d/full.json" >/dev/null 2>"$errf"
    failed $? "$d/full.json" "render --layout a link to /dev/full"
    [ -e "$d/b.png" ] && bad "render wrote its PNG though its layout was refused"
    no_temps "$d"

    "$exe" render --out "$d/a.png" --size 1920x1080 >/dev/null 2>"$errf" || bad "render: $(cat "$errf")"
    cp "$d/a.png" "$d/a.png.good"
    limited render --out "$d/a.png" --size 1920x1080
    failed $? "$d/a.png could not be written: File too large" "render over the file-size limit"
    intact "$d/a.png"
    no_temps "$d"

    # ---- lesson render --out DIR -----------------------------------------------------
    lesson="$src/lessons/01-soft-lookup.md"
    d="$dir/lesson"
    mkdir "$d"
    ln -s /dev/full "$d/step-01.png"
    "$exe" lesson render "$lesson" --out "$d" >/dev/null 2>"$errf"
    failed $? "$d/step-01.png" "lesson render onto a link to /dev/full"
    no_temps "$d"
    rm "$d/step-01.png"

    "$exe" lesson render "$lesson" --out "$d" --size 640x400 >/dev/null 2>"$errf" ||
        bad "lesson render: $(cat "$errf")"
    cp "$d/step-01.png" "$d/step-01.png.good"
    limited lesson render "$lesson" --out "$d" --size 640x400
    failed $? "$d/step-01.png could not be written: File too large" "lesson render over the file-size limit"
    intact "$d/step-01.png"
    no_temps "$d"
fi

# ---- train --out / --log / --plot ------------------------------------------------------
d="$dir/train"
mkdir "$d"
ln -s /dev/full "$d/full"
if [ "$window" = window ]; then opts="--out --log --plot"; else opts="--out --log"; fi
for opt in $opts; do
    # shellcheck disable=SC2086
    "$exe" train $tiny --out "$d/m.st" "$opt" "$d/full" >/dev/null 2>"$errf"
    failed $? "$opt $d/full" "train $opt a link to /dev/full"
    no_temps "$d"
done
[ -e "$d/m.st" ] && bad "a refused train run wrote its model"

# shellcheck disable=SC2086
"$exe" train $tiny --out "$d/m.st" >/dev/null 2>"$errf" || bad "train: $(cat "$errf")"
files="$d/m.st $d/m.loss.csv"
[ "$window" = window ] && files="$files $d/m.loss.png"
for f in $files; do cp "$f" "$f.good"; done
# shellcheck disable=SC2086
limited train $tiny --out "$d/m.st"
failed $? "$d/m.st" "train over the file-size limit"
grep -qF "File too large" "$errf" && ok || bad "train: the message lacks the reason: $(cat "$errf")"
for f in $files; do intact "$f"; done
no_temps "$d"

echo "test_write_faults: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
