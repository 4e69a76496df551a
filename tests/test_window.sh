#!/bin/sh
# End-to-end test of the window: attnviz with no arguments under a virtual
# display (Xvfb), driven by keys from xdotool, looked at with ImageMagick.
# It steps through all ten stages, changes settings in the panel (heads, a
# bad d_model, a typed sentence), saves a screenshot, shrinks the window to
# its minimum and quits with q. Without a display attnviz must exit 2 with
# a message. Every wait has a time limit, so the test cannot hang.
#
# usage: test_window.sh PATH_TO_ATTNVIZ
# Needs xvfb-run, xauth, xdotool and ImageMagick (scripts/setup.sh deps gui).
# TEST_WINDOW_KEEP=DIR keeps the screenshots there, to look at.
exe=${1:-build/attnviz}

# ---- the inner part: runs inside xvfb-run, prints "ok: ..." / "FAIL: ..." ----
if [ "${2:-}" = "--inner" ]; then
    tmp=$3
    shots=$tmp/shots
    mkdir -p "$shots"
    ok() { echo "ok: $*"; }
    bad() { echo "FAIL: $*"; }
    export SDL_RENDER_DRIVER=software     # llvmpipe is slower and not what we test
    export ASAN_OPTIONS=detect_leaks=0    # X11 and dbus leak at exit; not ours
    unset SDL_VIDEODRIVER

    # start ENV...: attnviz in the background; sets pid and wid
    start() {
        env "$@" ATTNVIZ_SCREENSHOT_DIR="${dir:-$shots}" "$exe" >"$tmp/app.out" 2>"$tmp/app.err" &
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
        xdotool key --delay 60 "$@"
        sleep 0.5
    }
    alive() { # alive WHAT: the app still runs
        if kill -0 "$pid" 2>/dev/null; then ok "$1: still running"
        else bad "$1: attnviz ended: $(tail -n 3 "$tmp/app.err")"; fi
    }
    # shot NAME: a screenshot of the whole virtual screen
    shot() { import -window root "$tmp/$1.png" 2>/dev/null; }
    differs() { # differs A B WHAT: two screenshots are not the same picture
        if [ -f "$tmp/$1.png" ] && [ -f "$tmp/$2.png" ] &&
            ! compare -metric AE "$tmp/$1.png" "$tmp/$2.png" null: 2>/dev/null; then
            ok "$3"
        else
            bad "$3: $1.png and $2.png show the same"
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

    start || exit 0
    shot stage1
    n=$(identify -format '%k' "$tmp/stage1.png" 2>/dev/null || echo 0)
    [ "$n" -gt 20 ] && ok "the first frame has $n colours" || bad "the first frame is blank ($n colours)"

    # all ten stages, forward, then one back
    i=2
    while [ $i -le 10 ]; do
        keys Right
        shot "stage$i"
        i=$((i + 1))
    done
    alive "Right x9"
    differs stage1 stage10 "stage 10 looks different from stage 1"
    keys Left
    alive "Left"

    # play, speed, views, heads, theme, help, type size
    keys space Up Up Down space Home Tab Tab Tab 2 9 0 t h h question ctrl+plus ctrl+minus ctrl+0
    shot keys
    alive "Space, Up, Down, Home, Tab, digits, T, H, ?, Ctrl+/-"
    keys Escape t
    alive "Esc closes the help"

    # the settings panel: it opens with Heads in focus; Right picks 8 heads
    keys Home space
    shot before_panel
    keys p
    shot panel
    differs before_panel panel "P opens the settings panel"
    keys Right
    shot heads8
    differs panel heads8 "Right in the panel changes the heads"
    # 16 heads and d_model 8 do not fit: an inline error, nothing applied;
    # d_model 16 then fits and applies
    keys Right Down Left Left Left
    shot bad_setting
    alive "heads 16 with d_model 8"
    keys Right
    shot fixed_setting
    differs bad_setting fixed_setting "d_model 16 applies after the error"
    keys Up Up Return ctrl+u
    xdotool type --delay 40 'quiet cats sat'
    keys Return
    shot sentence
    alive "typing a sentence with q in it"
    differs fixed_setting sentence "a typed sentence is shown"
    keys Escape
    alive "Esc closes the panel"

    # a screenshot with S: a PNG of the frame, its path on stdout
    keys s
    i=0
    while ! ls "$shots"/attnviz-*.png >/dev/null 2>&1 && [ $i -lt 25 ]; do sleep 0.2; i=$((i + 1)); done
    png=$(ls "$shots"/attnviz-*.png 2>/dev/null | head -n 1)
    if [ -n "$png" ]; then
        ok "S saved $(basename "$png")"
        size=$(identify -format '%w %h' "$png" 2>/dev/null)
        n=$(identify -format '%k' "$png" 2>/dev/null || echo 0)
        [ "$size" = "1280 800" ] && ok "the screenshot is 1280x800" || bad "the screenshot is '$size'"
        [ "$n" -gt 20 ] && ok "the screenshot has $n colours" || bad "the screenshot is blank ($n colours)"
        grep -qF "$png" "$tmp/app.out" && ok "the path is printed" ||
            bad "stdout lacks $png: $(cat "$tmp/app.out")"
    else
        bad "S saved nothing in $shots"
    fi

    # the smallest window, and back
    xdotool windowsize "$wid" 200 150
    sleep 0.5
    keys p Down Down Right p Right
    shot small
    alive "200x150 with the panel"
    xdotool windowsize "$wid" 800 600
    sleep 0.5
    keys p
    shot medium
    keys p
    alive "800x600"
    finish "window"

    # a screenshot folder that cannot be written: an inline error, the app goes on
    if dir=/nonexistent/attnviz-test start; then
        keys s
        alive "S into a folder that does not exist"
        finish "unwritable screenshot folder"
    fi
    if [ -n "${TEST_WINDOW_KEEP:-}" ]; then
        mkdir -p "$TEST_WINDOW_KEEP" && cp "$tmp"/*.png "$shots"/*.png "$TEST_WINDOW_KEEP"/ 2>/dev/null
    fi
    exit 0
fi

# ---- the outer part -----------------------------------------------------------
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# No display: exit 2 with a message that says what to do, at once.
DISPLAY= WAYLAND_DISPLAY= timeout 30 "$exe" >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" -eq 2 ] && grep -q "no display available" "$tmp/err" &&
    grep -q "attnviz render" "$tmp/err"; then
    passed=$((passed + 1))
else
    echo "FAIL: with no display: exit $status, want 2 and 'no display available'; stderr: $(cat "$tmp/err")"
    failed=$((failed + 1))
fi

missing=""
for tool in xvfb-run xauth xdotool import identify compare; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    echo "FAIL: missing$missing: install them with 'scripts/setup.sh deps gui'"
    failed=$((failed + 1))
else
    timeout 240 xvfb-run -a -s '-screen 0 1280x800x24' sh "$0" "$exe" --inner "$tmp" >"$tmp/inner" 2>&1
    status=$?
    grep -E '^(ok|FAIL):' "$tmp/inner" | grep -v '^ok:' 
    p=$(grep -c '^ok:' "$tmp/inner")
    f=$(grep -c '^FAIL:' "$tmp/inner")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] || [ "$p" -eq 0 ]; then
        echo "FAIL: xvfb-run ended with status $status: $(tail -n 5 "$tmp/inner")"
        failed=$((failed + 1))
    fi
fi

echo "test_window: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
