#!/bin/sh
# The lesson player in a window, under Xvfb: `attnviz lesson
# lessons/03-why-scale.md`, stepped through with Right, a question answered
# with a digit, a screenshot checked non-blank, Esc leaves the lesson (the
# app goes on), q quits with status 0. Every wait has a time limit.
#
# usage: test_lesson_window.sh PATH_TO_ATTNVIZ
# Needs xvfb-run, xauth, xdotool and ImageMagick (scripts/setup.sh deps gui).
exe=${1:-build/attnviz}

if [ "${2:-}" = "--inner" ]; then
    tmp=$3
    ok() { echo "ok: $*"; }
    bad() { echo "FAIL: $*"; }
    export SDL_RENDER_DRIVER=software
    export ASAN_OPTIONS=detect_leaks=0 # X11 and dbus leak at exit; not ours
    unset SDL_VIDEODRIVER
    "$exe" lesson lessons/03-why-scale.md >"$tmp/app.out" 2>"$tmp/app.err" &
    pid=$!
    wid=$(timeout 30 xdotool search --sync --name '^attnviz$' 2>/dev/null | head -n 1)
    if [ -z "$wid" ]; then
        bad "no window named attnviz within 30 s: $(cat "$tmp/app.err")"
        kill "$pid" 2>/dev/null
        exit 0
    fi
    xdotool windowfocus "$wid" 2>/dev/null
    sleep 1
    keys() {
        xdotool key --delay 80 "$@"
        sleep 0.5
    }
    alive() {
        if kill -0 "$pid" 2>/dev/null; then ok "$1: still running"
        else bad "$1: attnviz ended: $(tail -n 3 "$tmp/app.err")"; fi
    }
    shot() { import -window root "$tmp/$1.png" 2>/dev/null; }

    shot step1
    keys Right
    shot step2
    alive "Right: step 2"
    if ! compare -metric AE "$tmp/step1.png" "$tmp/step2.png" null: 2>/dev/null; then
        ok "step 2 looks different from step 1"
    else
        bad "Right did not change the step"
    fi
    # step 2 of this lesson asks a question: 3 answers it
    keys 3
    shot answered
    alive "3 answers the question"
    if ! compare -metric AE "$tmp/step2.png" "$tmp/answered.png" null: 2>/dev/null; then
        ok "the answer is shown"
    else
        bad "3 changed nothing on a step with a question"
    fi
    n=$(identify -format '%k' "$tmp/answered.png" 2>/dev/null || echo 0)
    [ "$n" -gt 20 ] && ok "the screenshot has $n colours" || bad "the screenshot is blank ($n colours)"
    keys Right Right Left
    alive "Right, Right, Left"
    keys Escape
    shot left
    alive "Esc leaves the lesson, the app goes on"
    if ! compare -metric AE "$tmp/answered.png" "$tmp/left.png" null: 2>/dev/null; then
        ok "the narration panel is gone after Esc"
    else
        bad "Esc did not leave the lesson"
    fi
    keys l
    shot picker
    alive "L opens the lesson picker"
    # a click on the first lesson opens it (at 1280x800 its row is centred
    # at y = 245: the list is centred, 30 px lines); the picker closes
    xdotool mousemove 640 245 click 1
    sleep 1
    shot clicked
    alive "a click on a lesson in the picker"
    if ! compare -metric AE "$tmp/picker.png" "$tmp/clicked.png" null: 2>/dev/null; then
        ok "the click opened the lesson"
    else
        bad "a click on a lesson changed nothing"
    fi
    if ! compare -metric AE "$tmp/left.png" "$tmp/clicked.png" null: 2>/dev/null; then
        ok "a lesson is on screen again"
    else
        bad "the click left no lesson on screen"
    fi
    keys Escape
    xdotool key q
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 75 ]; do sleep 0.2; i=$((i + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
        bad "q did not quit within 15 s"
        kill "$pid"
    fi
    wait "$pid"
    status=$?
    [ "$status" -eq 0 ] && ok "q quits, status 0" || bad "exit status $status: $(tail -n 3 "$tmp/app.err")"
    if [ -n "${TEST_WINDOW_KEEP:-}" ]; then
        mkdir -p "$TEST_WINDOW_KEEP" && cp "$tmp"/*.png "$TEST_WINDOW_KEEP"/ 2>/dev/null
    fi
    exit 0
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
    failed=$((failed + 1))
else
    timeout 120 xvfb-run -a -s '-screen 0 1280x800x24' sh "$0" "$exe" --inner "$tmp" >"$tmp/inner" 2>&1
    status=$?
    grep -E '^FAIL:' "$tmp/inner"
    p=$(grep -c '^ok:' "$tmp/inner")
    f=$(grep -c '^FAIL:' "$tmp/inner")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] || [ "$p" -eq 0 ]; then
        echo "FAIL: xvfb-run ended with status $status: $(tail -n 5 "$tmp/inner")"
        failed=$((failed + 1))
    fi
fi
echo "test_lesson_window: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
