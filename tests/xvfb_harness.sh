# The shared harness of the window tests (test_window.sh, test_model_window.sh,
# test_lesson_window.sh); POSIX sh, sourced by them:
#
#     . "$(dirname "$0")/xvfb_harness.sh"
#     xh_begin test_window "$1"     # counters, a temporary folder, the tools
#     xh_display                    # our own Xvfb on a free display
#     xh_start --theme light        # attnviz in it, once its window is mapped
#     xh_key Right
#     xh_render want --stage 2 --theme light
#     xh_wait_same now want "$XH_MAIN" "stage 2 is drawn as attnviz render draws it"
#     xh_quit "q quits"
#     xh_end                        # "test_window: N passed, N failed", the exit status
#
# Nothing waits a fixed time: every helper waits for a condition (a window
# mapped, a picture equal to or different from another, a file complete, a
# process ended) and a condition that does not come within its time limit is
# a failure that says what was awaited. Every process the harness starts
# (Xvfb, attnviz) is ended when the script exits, however it exits. Missing
# tools are a failure, never a skip.
#
# TEST_WINDOW_KEEP=DIR keeps the screenshots there, to look at.

XH_W=1280
XH_H=800
# At 1280x800: the frame above the status line (which shows passing
# messages), and the main area (below the caption bar, above the status line).
XH_MAIN=1280x680+0+85
XH_ABOVE_STATUS=1280x766+0+0
# How many pixels two pictures may differ by (each by up to 2% per channel)
# and still count as the same; a changed label is hundreds.
XH_TOLERANCE=40

xh_passed=0
xh_failed=0
xh_pid=""
xh_wid=""
xh_xvfb=""

xh_ok() {
    xh_passed=$((xh_passed + 1))
    [ -n "${XH_VERBOSE:-}" ] && echo "ok at $(date +%S.%N | cut -c1-5) s: $*"
    return 0
}
xh_fail() {
    xh_failed=$((xh_failed + 1))
    echo "FAIL: $*"
    return 1
}
# xh_check WHAT CMD...: ok when CMD succeeds, else a failure
xh_check() {
    what=$1
    shift
    if "$@"; then xh_ok "$what"; else xh_fail "$what"; fi
}

# xh_begin NAME EXE: counters, a temporary folder ($xh_tmp, shots in
# $xh_tmp/shots), the clean-up on exit; the tools must be there.
xh_begin() {
    xh_name=$1
    xh_exe=$2
    case $xh_exe in /*) ;; *) xh_exe=$(pwd)/$xh_exe ;; esac
    xh_tmp=$(mktemp -d)
    mkdir -p "$xh_tmp/shots"
    trap xh_cleanup EXIT
    trap 'exit 1' HUP INT TERM
    if [ ! -x "$xh_exe" ]; then
        xh_fail "$xh_exe is not an executable"
        xh_end
    fi
    missing=""
    for tool in Xvfb xdotool import convert compare identify timeout; do
        command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
    done
    if [ -n "$missing" ]; then
        xh_fail "missing$missing: install them with 'scripts/setup.sh deps gui'"
        xh_end
    fi
    # the app draws with SDL's software renderer (llvmpipe is slower and
    # not what we test), like `attnviz render`; X11 and dbus leak at exit
    export SDL_RENDER_DRIVER=software
    export ASAN_OPTIONS=detect_leaks=0
    unset SDL_VIDEODRIVER
}

xh_cleanup() {
    if [ -n "$xh_pid" ] && kill -0 "$xh_pid" 2>/dev/null; then
        kill "$xh_pid" 2>/dev/null
        wait "$xh_pid" 2>/dev/null
    fi
    if [ -n "$xh_xvfb" ]; then
        kill "$xh_xvfb" 2>/dev/null
        wait "$xh_xvfb" 2>/dev/null
    fi
    if [ -n "${TEST_WINDOW_KEEP:-}" ] && [ -d "$xh_tmp" ]; then
        mkdir -p "$TEST_WINDOW_KEEP" && cp "$xh_tmp"/*.png "$TEST_WINDOW_KEEP"/ 2>/dev/null
    fi
    [ -n "${xh_tmp:-}" ] && rm -rf "$xh_tmp"
}

# xh_end: the summary line; exits 0 only when something passed and nothing failed
xh_end() {
    echo "$xh_name: $xh_passed passed, $xh_failed failed"
    [ "$xh_failed" -eq 0 ] && [ "$xh_passed" -gt 0 ] && exit 0
    exit 1
}

# xh_display: Xvfb on a display no one uses (it picks it and writes the
# number to a pipe we read: -displayfd), DISPLAY exported. -noreset: the
# server keeps its state (the pointer) when the app closes.
xh_display() {
    : >"$xh_tmp/display"
    Xvfb -displayfd 5 -screen 0 "${XH_W}x${XH_H}x24" -nolisten tcp -noreset \
        5>"$xh_tmp/display" 2>"$xh_tmp/xvfb.err" &
    xh_xvfb=$!
    n=0
    while ! grep -q '^[0-9]' "$xh_tmp/display" 2>/dev/null; do
        if ! kill -0 "$xh_xvfb" 2>/dev/null || [ $n -ge 100 ]; then
            xh_fail "Xvfb did not start within 10 s: $(tail -n 2 "$xh_tmp/xvfb.err")"
            xh_end
        fi
        sleep 0.1
        n=$((n + 1))
    done
    DISPLAY=:$(head -n 1 "$xh_tmp/display")
    export DISPLAY
}

# xh_start ARGS...: attnviz ARGS in the background (stdout in $xh_tmp/app.out,
# stderr in app.err, screenshots in $XH_SHOTS or $xh_tmp/shots) once its
# window is mapped; sets xh_pid and xh_wid, gives the window the keys and
# parks the pointer in the caption's corner, where it hovers over nothing.
xh_start() {
    ATTNVIZ_SCREENSHOT_DIR="${XH_SHOTS:-$xh_tmp/shots}" "$xh_exe" "$@" \
        >"$xh_tmp/app.out" 2>"$xh_tmp/app.err" &
    xh_pid=$!
    xh_wid=$(timeout 30 xdotool search --sync --pid "$xh_pid" --name '^attnviz$' 2>/dev/null |
        head -n 1)
    if [ -z "$xh_wid" ]; then
        xh_fail "attnviz $*: no window mapped within 30 s: $(tail -n 3 "$xh_tmp/app.err")"
        kill "$xh_pid" 2>/dev/null
        wait "$xh_pid" 2>/dev/null
        xh_pid=""
        return 1
    fi
    xh_ok "attnviz $*: its window is mapped"
    xdotool windowfocus "$xh_wid" 2>/dev/null # no window manager: give it the keys
    xdotool mousemove $((XH_W - 1)) 0
    return 0
}

# xh_key KEYS...: keys to the window, as xdotool names them
xh_key() { xdotool key --delay 30 "$@"; }

# xh_click X Y: a left click at window coordinates; then the pointer is
# parked again, so no tooltip covers what the click changed
xh_click() {
    xdotool mousemove --window "$xh_wid" "$1" "$2" click 1
    xdotool mousemove $((XH_W - 1)) 0
}

# xh_shot NAME: the window as it is now, in $xh_tmp/NAME.png
xh_shot() { import -window "$xh_wid" "$xh_tmp/$1.png" 2>/dev/null; }

# xh_alive WHAT: the app still runs
xh_alive() {
    if kill -0 "$xh_pid" 2>/dev/null; then xh_ok "$1: still running"
    else xh_fail "$1: attnviz ended: $(tail -n 3 "$xh_tmp/app.err")"; fi
}

# ---- looking at pictures ------------------------------------------------------------

# xh_diff A B [GEOM]: how many pixels of A and B (names in $xh_tmp, or
# paths) differ by more than 2% in GEOM (default everything)
xh_diff() {
    a=$1
    b=$2
    case $a in */*) ;; *) a=$xh_tmp/$a.png ;; esac
    case $b in */*) ;; *) b=$xh_tmp/$b.png ;; esac
    # compare prints the count on stderr: keep that, drop stdout
    # shellcheck disable=SC2069
    if [ -n "${3:-}" ]; then
        compare -metric AE -fuzz 2% -extract "$3" "$a" "$b" null: 2>&1 >/dev/null
    else
        compare -metric AE -fuzz 2% "$a" "$b" null: 2>&1 >/dev/null
    fi
}
# xh_same A B [GEOM]: true when they differ by at most XH_TOLERANCE pixels
xh_same() {
    d=$(xh_diff "$@")
    case $d in '' | *[!0-9]*) return 1 ;; esac
    [ "$d" -le "$XH_TOLERANCE" ]
}
xh_differ() {
    d=$(xh_diff "$@")
    case $d in '' | *[!0-9]*) return 1 ;; esac
    [ "$d" -gt "$XH_TOLERANCE" ]
}

# xh_mean FILE GEOM: the mean brightness of a region, 0 (black) to 1 (white)
xh_mean() {
    convert "$xh_tmp/$1.png" -crop "$2" +repage -colorspace gray -format '%[fx:mean]' info: 2>/dev/null
}

# xh_count FILE GEOM R,G,B: how many pixels of the region have that colour
# (within 3% per channel)
xh_count() {
    convert "$xh_tmp/$1.png" -crop "$2" +repage -fuzz 3% -fill black +opaque "rgb($3)" \
        -fill white -opaque "rgb($3)" -format '%[fx:round(mean*w*h)]' info: 2>/dev/null
}

# xh_gt A B / xh_lt A B: numeric comparisons of decimal numbers
xh_gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
xh_lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

# xh_render NAME ARGS...: `attnviz render ARGS` at the window's size into
# $xh_tmp/NAME.png, drawn offscreen: the frame the window should show
xh_render() {
    name=$1
    shift
    if ! SDL_VIDEODRIVER=dummy "$xh_exe" render --size "${XH_W}x${XH_H}" "$@" \
        --out "$xh_tmp/$name.png" >/dev/null 2>"$xh_tmp/$name.err"; then
        xh_fail "attnviz render $*: $(cat "$xh_tmp/$name.err")"
        return 1
    fi
}

# xh_bg PID: a job started with & to wait for with xh_wait_bg (a bare
# `wait` would wait for Xvfb too); xh_wait_bg: a job that failed is a failure
xh_bg() { xh_jobs="${xh_jobs:-} $1"; }
xh_wait_bg() {
    for job in $xh_jobs; do
        wait "$job" || xh_fail "a job in the background failed (status $?)"
    done
    xh_jobs=""
}

# ---- waiting for conditions -----------------------------------------------------------

# xh_until SECONDS CMD...: runs CMD until it succeeds (true) or SECONDS pass (false)
xh_until() {
    deadline=$(($(date +%s) + $1))
    shift
    while :; do
        "$@" && return 0
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

xh_shot_same() { xh_shot "$1" && xh_same "$1" "$2" "$3"; }
xh_shot_differ() { xh_shot "$1" && xh_differ "$1" "$2" "$3"; }

# xh_wait_same NAME REF GEOM WHAT [SECONDS]: screenshots (NAME) until GEOM of
# the window looks as REF (a name or a path) does; ok, or a failure naming
# how many pixels still differ
xh_wait_same() {
    if xh_until "${5:-10}" xh_shot_same "$1" "$2" "$3"; then
        xh_ok "$4"
    else
        xh_fail "$4: after ${5:-10} s, $(xh_diff "$1" "$2" "$3") pixels of $3 still differ from $2"
    fi
}

# xh_wait_differ NAME REF GEOM WHAT [SECONDS]: screenshots until GEOM differs from REF
xh_wait_differ() {
    if xh_until "${5:-10}" xh_shot_differ "$1" "$2" "$3"; then
        xh_ok "$4"
    else
        xh_fail "$4: after ${5:-10} s, $3 still looks as in $2"
    fi
}

# xh_wait_steady NAME GEOM WHAT [SECONDS]: screenshots until two in a row,
# half a second apart, show GEOM the same (an animation has ended)
xh_wait_steady() {
    xh_shot "$1.prev"
    if xh_until "${4:-10}" xh_steady_step "$1" "$2"; then
        xh_ok "$3"
    else
        xh_fail "$3: $2 still changed after ${4:-10} s"
    fi
}
xh_steady_step() {
    sleep 0.5
    xh_shot "$1" || return 1
    xh_same "$1" "$1.prev" "$2" && return 0
    cp "$xh_tmp/$1.png" "$xh_tmp/$1.prev.png"
    return 1
}

# xh_wait_file GLOB [SECONDS]: waits until a file matching GLOB exists and
# reads as a whole image; prints its path
xh_wait_file() {
    xh_until "${2:-10}" xh_file_whole "$1" && echo "$xh_found"
}
xh_file_whole() {
    for xh_found in $1; do
        [ -f "$xh_found" ] && identify "$xh_found" >/dev/null 2>&1 && return 0
    done
    return 1
}

# xh_snap NAME: S in the app; waits for the PNG it prints and writes, and
# copies it to $xh_tmp/NAME.png. It holds the frame drawn after every key
# sent before, so it is also proof that those keys were handled.
xh_snap() {
    before=$(grep -c . "$xh_tmp/app.out")
    xh_key s
    if ! xh_until 10 xh_more_lines "$before"; then
        xh_fail "S printed no screenshot path within 10 s: $(tail -n 2 "$xh_tmp/app.err")"
        return 1
    fi
    png=$(tail -n 1 "$xh_tmp/app.out")
    if ! xh_wait_file "$png" 10 >/dev/null; then
        xh_fail "S printed $png but it is not a whole PNG within 10 s"
        return 1
    fi
    cp "$png" "$xh_tmp/$1.png"
}
xh_more_lines() { [ "$(grep -c . "$xh_tmp/app.out")" -gt "$1" ]; }

# xh_wait_exit STATUS WHAT [SECONDS]: the app ends within SECONDS, with STATUS
xh_wait_exit() {
    if ! xh_until "${3:-15}" xh_gone; then
        xh_fail "$2: attnviz still runs after ${3:-15} s"
        kill "$xh_pid" 2>/dev/null
    fi
    wait "$xh_pid"
    status=$?
    xh_pid=""
    if [ "$status" -eq "$1" ]; then
        xh_ok "$2: exit status $status"
    else
        xh_fail "$2: exit status $status, want $1: $(tail -n 3 "$xh_tmp/app.err")"
    fi
}
xh_gone() { ! kill -0 "$xh_pid" 2>/dev/null; }

# xh_quit WHAT: q ends the app with status 0
xh_quit() {
    xh_key q
    xh_wait_exit 0 "$1"
}
