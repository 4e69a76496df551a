#!/bin/sh
# The model overview in a window, under Xvfb (xdotool for keys and clicks,
# ImageMagick to look): a small model trained here opened with
# `attnviz --model FILE`; M opens the overview, Space and a click switch
# heads off, 0 puts them back, R starts live training (the picture moves
# while it runs), R stops it, Shift+R puts the file's weights back, Tab
# reaches the overview too, S saves a screenshot, and q quits with status
# 0 even while training runs (the thread is stopped and joined). With
# mechanics, M explains what it needs and the app goes on. Every wait has a
# time limit. Skipped (77) when attnviz has no --model option yet.
#
# usage: test_model_window.sh PATH_TO_ATTNVIZ
# Needs xvfb-run, xauth, xdotool and ImageMagick (scripts/setup.sh deps gui).
# TEST_WINDOW_KEEP=DIR keeps the screenshots there, to look at.
exe=${1:-build/attnviz}

# ---- the inner part: runs inside xvfb-run, prints "ok: ..." / "FAIL: ..." ----
if [ "${2:-}" = "--inner" ]; then
    tmp=$3
    model=$4
    shots=$tmp/shots
    mkdir -p "$shots"
    ok() { echo "ok: $*"; }
    bad() { echo "FAIL: $*"; }
    export SDL_RENDER_DRIVER=software  # llvmpipe is slower and not what we test
    export ASAN_OPTIONS=detect_leaks=0 # X11 and dbus leak at exit; not ours
    export ATTNVIZ_FRAME_STATS=1       # frame times on stderr, every 2 s
    unset SDL_VIDEODRIVER

    # start ARGS...: attnviz in the background; sets pid and wid
    start() {
        ATTNVIZ_SCREENSHOT_DIR="$shots" "$exe" "$@" >"$tmp/app.out" 2>"$tmp/app.err" &
        pid=$!
        wid=$(timeout 30 xdotool search --sync --name '^attnviz$' 2>/dev/null | head -n 1)
        if [ -z "$wid" ]; then
            bad "no window named attnviz within 30 s: $(cat "$tmp/app.err")"
            kill "$pid" 2>/dev/null
            return 1
        fi
        xdotool windowfocus "$wid" 2>/dev/null # no window manager: give it the keys
        sleep 1
        return 0
    }
    keys() {
        xdotool key --delay 80 "$@"
        sleep 0.6
    }
    click() { # click X Y: a left click at window coordinates
        xdotool mousemove --window "$wid" "$1" "$2" click 1
        sleep 0.6
    }
    alive() {
        if kill -0 "$pid" 2>/dev/null; then ok "$1: still running"
        else bad "$1: attnviz ended: $(tail -n 3 "$tmp/app.err")"; fi
    }
    shot() { import -window root "$tmp/$1.png" 2>/dev/null; }
    differs() { # differs A B WHAT: two screenshots are not the same picture
        if [ -f "$tmp/$1.png" ] && [ -f "$tmp/$2.png" ] &&
            ! compare -metric AE "$tmp/$1.png" "$tmp/$2.png" null: 2>/dev/null; then
            ok "$3"
        else
            bad "$3: $1.png and $2.png show the same"
        fi
    }
    same() { # same A B WHAT: the same picture above the status line (messages differ)
        if [ -f "$tmp/$1.png" ] && [ -f "$tmp/$2.png" ] &&
            compare -metric AE -extract 1280x740+0+0 "$tmp/$1.png" "$tmp/$2.png" null: 2>/dev/null; then
            ok "$3"
        else
            bad "$3: $1.png and $2.png differ"
        fi
    }
    # finish WHAT: q quits with status 0 within 15 s
    finish() {
        xdotool key q
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 75 ]; do sleep 0.2; i=$((i + 1)); done
        if kill -0 "$pid" 2>/dev/null; then
            bad "$1: q did not quit within 15 s"
            kill "$pid"
        fi
        wait "$pid"
        status=$?
        [ "$status" -eq 0 ] && ok "$1: q quits, status 0" ||
            bad "$1: exit status $status: $(tail -n 3 "$tmp/app.err")"
    }

    # ---- the trained model: the overview, pruning, live training ----
    start --model "$model" || exit 0
    shot stages
    keys m
    shot overview
    differs stages overview "M opens the model overview"
    alive "M"
    # the cursor starts on head 1.1: Space switches it off, Space on again
    keys space
    shot off_key
    differs overview off_key "Space switches head 1.1 off"
    keys space
    shot on_key
    same overview on_key "Space again switches it back on"
    # a click on head 2.2 (at 1280x800 the 3 x 4 heads fill the left of the window)
    click 300 430
    shot off_click
    differs overview off_click "a click switches a head off"
    keys Right Down space
    shot two_off
    differs off_click two_off "arrows and Space switch a second head off"
    keys 0
    shot all_on
    alive "0: every head on"
    differs two_off all_on "0 switches every head on again"

    # live training: the picture moves while it runs, R stops it
    keys r
    sleep 4
    shot train_a
    sleep 4
    shot train_b
    alive "R: live training"
    differs train_a train_b "live training updates the overview"
    differs all_on train_a "live training shows the fresh model"
    keys r
    sleep 1
    shot stopped_a
    sleep 2
    shot stopped_b
    alive "R again stops training"
    same stopped_a stopped_b "nothing moves once training stopped"
    keys shift+r
    shot restored
    alive "Shift+R puts the model's weights back"
    differs stopped_b restored "Shift+R shows the model's own weights"
    # S saves what is on screen
    keys s
    i=0
    while ! ls "$shots"/attnviz-*.png >/dev/null 2>&1 && [ $i -lt 25 ]; do sleep 0.2; i=$((i + 1)); done
    png=$(ls "$shots"/attnviz-*.png 2>/dev/null | head -n 1)
    if [ -n "$png" ]; then
        # the file appears before it is fully written: wait until it reads
        i=0
        n=0
        while [ $i -lt 50 ]; do
            n=$(identify -format '%k' "$png" 2>/dev/null || echo 0)
            [ "$n" -gt 20 ] && break
            sleep 0.2
            i=$((i + 1))
        done
        [ "$n" -gt 20 ] && ok "S saved the overview ($n colours)" || bad "the screenshot is blank"
    else
        bad "S saved nothing in $shots"
    fi
    # Esc leaves the overview, Tab cycles back to it
    keys Escape
    shot left
    alive "Esc leaves the overview"
    differs restored left "Esc shows the stages again"
    keys Tab Tab Tab Tab
    shot tabbed
    alive "Tab through the views"
    # the frame times while training, as the window measured them
    keys r
    sleep 5
    shot training_at_quit
    grep 'update+draw+present' "$tmp/app.err" | tail -n 2 | sed 's/^/ok: frame times: /'
    # q while training: the thread is stopped and joined, status 0
    finish "quit while training"

    # ---- mechanics: M explains what it needs ----
    if start; then
        shot mech
        keys m
        shot mech_m
        alive "M with mechanics"
        differs mech mech_m "M with mechanics shows a message"
        finish "mechanics"
    fi
    if [ -n "${TEST_WINDOW_KEEP:-}" ]; then
        mkdir -p "$TEST_WINDOW_KEEP" && cp "$tmp"/*.png "$TEST_WINDOW_KEEP"/ 2>/dev/null
    fi
    exit 0
fi

# ---- the outer part -----------------------------------------------------------
if ! "$exe" --help 2>/dev/null | grep -q -- '--model'; then
    echo "test_model_window: skipped: this attnviz has no --model option yet"
    exit 77
fi
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

missing=""
for tool in xvfb-run xauth xdotool import identify compare; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    echo "FAIL: missing$missing: install them with 'scripts/setup.sh deps gui'"
    echo "test_model_window: 0 passed, 1 failed"
    exit 1
fi

# A small model with the corpus's vocabulary, trained for a moment: its
# heads differ, and live training can start from its sizes.
if "$exe" train --layers 3 --heads 4 --d-model 32 --ctx 32 --batch 8 --steps 60 --warmup 5 \
    --threads 1 --eval-every 0 --quiet --out "$tmp/model.safetensors" >"$tmp/train.out" 2>&1; then
    passed=$((passed + 1))
else
    echo "FAIL: attnviz train: $(tail -n 3 "$tmp/train.out")"
    echo "test_model_window: 0 passed, 1 failed"
    exit 1
fi

timeout 240 xvfb-run -a -s '-screen 0 1280x800x24' sh "$0" "$exe" --inner "$tmp" \
    "$tmp/model.safetensors" >"$tmp/inner" 2>&1
status=$?
grep -E '^(ok|FAIL):' "$tmp/inner" | grep -v '^ok:'
grep '^ok: frame times' "$tmp/inner"
p=$(grep '^ok:' "$tmp/inner" | grep -vc '^ok: frame times')
f=$(grep -c '^FAIL:' "$tmp/inner")
passed=$((passed + p))
failed=$((failed + f))
if [ "$status" -ne 0 ] || [ "$p" -eq 0 ]; then
    echo "FAIL: xvfb-run ended with status $status: $(tail -n 5 "$tmp/inner")"
    failed=$((failed + 1))
fi

echo "test_model_window: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
