# The shared harness of the window tests (test_window.sh, test_model_window.sh,
# test_lesson_window.sh); POSIX sh, sourced by them:
#
#     . "$(dirname "$0")/xvfb_harness.sh"
#     xh_begin test_window "$1" "$2"  # counters, a temporary folder, the tools
#     xh_display                      # our own Xvfb on a free display
#     xh_start --theme light          # attnviz in it, once its window is mapped
#     xh_key Right
#     xh_render want --stage 2 --theme light
#     xh_wait_same now want "$XH_MAIN" "stage 2 is drawn as attnviz render draws it"
#     xh_quit "q quits"
#     xh_end                          # "test_window: N passed, N failed", the exit status
#
# Nothing waits a fixed time: every helper waits for a condition (a window
# mapped, a picture equal to or different from another, a file complete, a
# process ended) and a condition that does not come within its time limit is
# a failure that says what was awaited. Every process the harness starts
# (Xvfb, attnviz) is ended when the script exits, however it exits. Missing
# tools are a failure, never a skip.
#
# Pictures: by default a wait looks at the app's own frame, taken with its S
# key (xh_frame): the PNG it writes holds the frame drawn after every key
# sent before, so it also proves those keys were handled. xh_shot takes the
# window from the X server instead (ImageMagick's import), to check what is
# on screen; XH_CAPTURE=window makes the waits use it. picture_probe (built
# from tests/picture_probe.c) answers the questions about them.
#
# TEST_WINDOW_KEEP=DIR keeps the pictures there, to look at; XH_VERBOSE=1
# prints every check that passes, with the time. XH_WAIT=SECONDS is how long
# a wait gives its condition by default (20; the sanitizer build, some
# five times slower, sets more).

XH_W=1280
XH_H=800
# At 1280x800: the frame above the status line (which shows passing
# messages), and the main area (below the caption bar, above the status line).
XH_MAIN=1280x680+0+85
XH_ABOVE_STATUS=1280x766+0+0
# How many pixels two pictures may differ by (each by more than 5 of 255 in
# a channel) and still count as the same; a changed label is hundreds.
XH_TOLERANCE=40
xh_wait=${XH_WAIT:-20}

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
    xh_what=$1
    shift
    if "$@"; then xh_ok "$xh_what"; else xh_fail "$xh_what"; fi
}

# xh_begin NAME EXE PROBE: counters, a temporary folder ($xh_tmp, the app's
# screenshots in $xh_tmp/shots), the clean-up on exit; the tools must be there.
xh_begin() {
    xh_name=$1
    xh_exe=$2
    xh_probe=$3
    case $xh_exe in /*) ;; *) xh_exe=$(pwd)/$xh_exe ;; esac
    case $xh_probe in /*) ;; *) xh_probe=$(pwd)/$xh_probe ;; esac
    xh_tmp=$(mktemp -d)
    mkdir -p "$xh_tmp/shots"
    trap xh_cleanup EXIT
    trap 'exit 1' HUP INT PIPE TERM # a closed pipe too: the clean-up still runs
    for xh_program in "$xh_exe" "$xh_probe"; do
        [ -x "$xh_program" ] && continue
        xh_fail "$xh_program is not an executable: build the project first"
        xh_end
    done
    xh_missing=""
    for xh_tool in Xvfb xdotool import timeout; do
        command -v "$xh_tool" >/dev/null 2>&1 || xh_missing="$xh_missing $xh_tool"
    done
    if [ -n "$xh_missing" ]; then
        xh_fail "missing$xh_missing: install them with 'scripts/setup.sh deps gui'"
        xh_end
    fi
    # the app draws with SDL's software renderer (llvmpipe is slower and
    # not what we test), like `attnviz render`, and its frame reaches X
    # through X11 itself rather than OpenGL: Mesa, loaded for that and
    # unloaded at exit, leaves blocks LeakSanitizer cannot name a library for.
    # Leaks are checked (a sanitizer build exits 1 on one), except libdbus's
    # buffer kept for the process's life (tests/lsan.supp).
    export SDL_RENDER_DRIVER=software
    export SDL_FRAMEBUFFER_ACCELERATION=0
    xh_supp="$(dirname "$0")/lsan.supp"
    [ -f "$xh_supp" ] || xh_supp="$(dirname "$0")/../lsan.supp"
    export ASAN_OPTIONS=detect_leaks=1
    export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$xh_supp")" && pwd)/lsan.supp"
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
    xh_n=0
    while ! grep -q '^[0-9]' "$xh_tmp/display" 2>/dev/null; do
        if ! kill -0 "$xh_xvfb" 2>/dev/null || [ $xh_n -ge 100 ]; then
            xh_fail "Xvfb did not start within 10 s: $(tail -n 2 "$xh_tmp/xvfb.err")"
            xh_end
        fi
        sleep 0.1
        xh_n=$((xh_n + 1))
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

# xh_shot NAME: the window as the X server shows it, in $xh_tmp/NAME.png
# (import asks for a click when the window is gone: hence the time limit)
xh_shot() { timeout 10 import -window "$xh_wid" "$xh_tmp/$1.png" 2>/dev/null; }

# xh_frame NAME: the app's frame through its S key, in $xh_tmp/NAME.png:
# waits for the path it prints and the file (written under a temporary name
# and renamed, so it is whole), which is moved here
xh_frame() {
    xh_before=$(grep -c . "$xh_tmp/app.out")
    xdotool key s
    xh_n=0
    while [ "$(grep -c . "$xh_tmp/app.out")" -le "$xh_before" ]; do
        [ $xh_n -ge 500 ] && return 1 # 10 s: the caller reports what it awaited
        kill -0 "$xh_pid" 2>/dev/null || return 1
        sleep 0.02
        xh_n=$((xh_n + 1))
    done
    xh_png=$(tail -n 1 "$xh_tmp/app.out")
    [ -f "$xh_png" ] && mv "$xh_png" "$xh_tmp/$1.png"
}

# xh_capture NAME: the picture the waits look at (see the top)
xh_capture() {
    if [ "${XH_CAPTURE:-frame}" = window ]; then xh_shot "$1"; else xh_frame "$1"; fi
}

# xh_alive WHAT: the app still runs
xh_alive() {
    if kill -0 "$xh_pid" 2>/dev/null; then xh_ok "$1: still running"
    else xh_fail "$1: attnviz ended: $(tail -n 3 "$xh_tmp/app.err")"; fi
}

# ---- looking at pictures ------------------------------------------------------------
# Pictures are named as in $xh_tmp (NAME for $xh_tmp/NAME.png), or by a path.

xh_path() { case $1 in */*) echo "$1" ;; *) echo "$xh_tmp/$1.png" ;; esac }

# xh_diff A B [GEOM]: how many pixels of GEOM (default all) differ in A and B
xh_diff() { "$xh_probe" diff "$(xh_path "$1")" "$(xh_path "$2")" ${3:+"$3"} 2>&1; }

# xh_same A B [GEOM]: true when they differ by at most XH_TOLERANCE pixels
xh_same() {
    xh_d=$(xh_diff "$@")
    case $xh_d in '' | *[!0-9]*) return 1 ;; esac
    [ "$xh_d" -le "$XH_TOLERANCE" ]
}
xh_differ() {
    xh_d=$(xh_diff "$@")
    case $xh_d in '' | *[!0-9]*) return 1 ;; esac
    [ "$xh_d" -gt "$XH_TOLERANCE" ]
}

# xh_mean PICTURE GEOM: the region's mean brightness, 0 (black) to 1 (white)
xh_mean() { "$xh_probe" mean "$(xh_path "$1")" "$2"; }

# xh_count PICTURE GEOM R,G,B: how many pixels of the region have that colour
xh_count() { "$xh_probe" count "$(xh_path "$1")" "$2" "$3"; }

# xh_pixel PICTURE X Y: "R,G,B"
xh_pixel() { "$xh_probe" pixel "$(xh_path "$1")" "$2" "$3"; }

# xh_size PICTURE: "W H"
xh_size() { "$xh_probe" size "$(xh_path "$1")" 2>/dev/null; }

# xh_gt A B / xh_lt A B: numeric comparisons of decimal numbers
xh_gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
xh_lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

# xh_render NAME ARGS...: `attnviz render ARGS` at the window's size into
# $xh_tmp/NAME.png, drawn offscreen: the frame the window should show
xh_render() {
    xh_rname=$1
    shift
    if ! SDL_VIDEODRIVER=dummy "$xh_exe" render --size "${XH_W}x${XH_H}" "$@" \
        --out "$xh_tmp/$xh_rname.png" >/dev/null 2>"$xh_tmp/$xh_rname.err"; then
        xh_fail "attnviz render $*: $(cat "$xh_tmp/$xh_rname.err")"
        return 1
    fi
}

# xh_bg PID: a job started with & to wait for with xh_wait_bg (a bare
# `wait` would wait for Xvfb too); xh_wait_bg: a job that failed is a failure
xh_bg() { xh_jobs="${xh_jobs:-} $1"; }
xh_wait_bg() {
    for xh_job in $xh_jobs; do
        wait "$xh_job" || xh_fail "a job in the background failed (status $?)"
    done
    xh_jobs=""
}

# ---- waiting for conditions -----------------------------------------------------------

# xh_until SECONDS CMD...: runs CMD until it succeeds (true) or SECONDS pass
# (false). Once the app has ended nothing will change: CMD gets one last
# try (it may be waiting for just that).
xh_until() {
    xh_deadline=$(($(date +%s) + $1))
    shift
    while :; do
        "$@" && return 0
        [ "$(date +%s)" -ge "$xh_deadline" ] && return 1
        if [ -n "$xh_pid" ] && ! kill -0 "$xh_pid" 2>/dev/null; then
            "$@"
            return
        fi
        sleep 0.1
    done
}

# xh_why: why a wait may have failed, when the app is gone
xh_why() {
    if [ -n "$xh_pid" ] && ! kill -0 "$xh_pid" 2>/dev/null; then
        echo " (attnviz ended: $(tail -n 2 "$xh_tmp/app.err" | tr '\n' ' '))"
    fi
}

xh_shot_same() { xh_capture "$1" && xh_same "$1" "$2" "$3"; }
xh_shot_differ() { xh_capture "$1" && xh_differ "$1" "$2" "$3"; }

# xh_wait_same NAME REF GEOM WHAT [SECONDS]: screenshots (NAME) until GEOM of
# the window looks as REF (a name or a path) does; ok, or a failure naming
# how many pixels still differ
xh_wait_same() {
    if xh_until "${5:-$xh_wait}" xh_shot_same "$1" "$2" "$3"; then
        xh_ok "$4"
    else
        xh_d=$(xh_diff "$1" "$2" "$3")
        case $xh_d in
        '' | *[!0-9]*) xh_fail "$4: no picture to compare: $xh_d$(xh_why)" ;;
        *) xh_fail "$4: after ${5:-$xh_wait} s, $xh_d pixels of $3 still differ from $2$(xh_why)" ;;
        esac
    fi
}

# xh_wait_differ NAME REF GEOM WHAT [SECONDS]: screenshots until GEOM differs from REF
xh_wait_differ() {
    if xh_until "${5:-$xh_wait}" xh_shot_differ "$1" "$2" "$3"; then
        xh_ok "$4"
    else
        xh_fail "$4: after ${5:-$xh_wait} s, $3 still looks as in $2$(xh_why)"
    fi
}

# xh_wait_steady NAME GEOM WHAT [SECONDS]: screenshots until two in a row,
# half a second apart, show GEOM the same (an animation has ended)
xh_wait_steady() {
    xh_capture "$1.prev"
    if xh_until "${4:-$xh_wait}" xh_steady_step "$1" "$2"; then
        xh_ok "$3"
    else
        xh_fail "$3: $2 still changed after ${4:-$xh_wait} s$(xh_why)"
    fi
}
xh_steady_step() {
    sleep 0.5
    xh_capture "$1" || return 1
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
        [ -f "$xh_found" ] && xh_size "$xh_found" >/dev/null && return 0
    done
    return 1
}

# xh_wait_exit STATUS WHAT [SECONDS]: the app ends within SECONDS, with STATUS
xh_wait_exit() {
    if ! xh_until "${3:-$xh_wait}" xh_gone; then
        if xdotool getwindowname "$xh_wid" >/dev/null 2>&1; then xh_window="its window is still there"
        else xh_window="its window is gone"; fi
        xh_fail "$2: attnviz still runs after ${3:-$xh_wait} s, $xh_window: $(tail -n 2 "$xh_tmp/app.err")"
        kill "$xh_pid" 2>/dev/null
    fi
    wait "$xh_pid"
    xh_status=$?
    xh_pid=""
    if [ "$xh_status" -eq "$1" ]; then
        xh_ok "$2: exit status $xh_status"
    else
        xh_fail "$2: exit status $xh_status, want $1: $(tail -n 3 "$xh_tmp/app.err")"
    fi
}
xh_gone() { ! kill -0 "$xh_pid" 2>/dev/null; }

# xh_quit WHAT: q ends the app with status 0
xh_quit() {
    xh_key q
    xh_wait_exit 0 "$1"
}
