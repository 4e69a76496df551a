#!/bin/sh
# Soak: the app under Xvfb (tests/xvfb_harness.sh) for SECONDS of random
# keys, clicks and resizes from a fixed seed: stages and views, heads,
# settings edits (the panel, typing into the sentence), lessons (the picker,
# steps, answers), the model overview with pruning and live training
# started and stopped, screenshots, type sizes and themes. Built with
# AddressSanitizer and UndefinedBehaviorSanitizer (it is registered in that
# build only), it fails on
#   - a crash or an exit before the end,
#   - a sanitizer report from our code, leaks at the end included
#     (libdbus's lifelong buffer is suppressed: tests/lsan.supp),
#   - resident memory growing by more than 20% from the end of the warm-up
#     (the first quarter) to the end.
#
# usage: soak.sh PATH_TO_ATTNVIZ PATH_TO_PICTURE_PROBE [SECONDS] [SEED]
# shellcheck source-path=SCRIPTDIR source=../xvfb_harness.sh
. "$(dirname "$0")/../xvfb_harness.sh"
xh_begin soak "${1:-build-san/attnviz}" "${2:-build-san/picture_probe}"
secs=${3:-120}
seed=${4:-1}
cd "$(dirname "$0")/../.." || exit 1 # lessons/ and assets/ from the source folder
# A small quarantine, so freed memory held for use-after-free checks does
# not read as growth; halt on the first report, so a report ends the run.
export ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

xh_display
xh_start --weights trained || xh_end

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$xh_pid/status" 2>/dev/null; }

# Actions: most are single keys; some are short sequences a person makes.
keys="Right Left space Home Up Down 1 2 3 4 Tab shift+Tab t e bracketleft bracketright
m r shift+r BackSpace 0 ctrl+plus ctrl+minus ctrl+0 h Prior Next s"
set -- $keys
n_keys=$#
actions=$(awk -v seed="$seed" -v n=100000 'BEGIN { srand(seed); for (i = 0; i < n; i++) print int(rand() * 1000000) }')

start=$(date +%s)
warm_at=$((start + secs / 4))
rss_warm=""
rss_peak=0
count=0
for r in $actions; do
    now=$(date +%s)
    [ "$now" -ge $((start + secs)) ] && break
    if ! kill -0 "$xh_pid" 2>/dev/null; then
        xh_fail "attnviz ended after $count actions ($((now - start)) s): $(tail -n 5 "$xh_tmp/app.err")"
        xh_end
    fi
    kind=$((r % 100))
    if [ "$kind" -lt 70 ]; then # a key
        shift $(( (r / 100) % n_keys )) 2>/dev/null
        key=$1
        set -- $keys
        xdotool key --delay 20 "$key" 2>/dev/null
    elif [ "$kind" -lt 80 ]; then # a click somewhere in the window
        x=$(( (r / 100) % XH_W ))
        y=$(( (r / 7) % XH_H ))
        xdotool mousemove --window "$xh_wid" "$x" "$y" click 1 2>/dev/null
    elif [ "$kind" -lt 84 ]; then # a resize, and back
        w=$(( 200 + (r / 100) % 1100 ))
        h=$(( 150 + (r / 7) % 650 ))
        xdotool windowsize "$xh_wid" "$w" "$h" 2>/dev/null
        xdotool windowsize "$xh_wid" "$XH_W" "$XH_H" 2>/dev/null
    elif [ "$kind" -lt 92 ]; then # the settings panel: move, change, close
        xdotool key --delay 20 p Down Down Right Down Right Left p 2>/dev/null
    elif [ "$kind" -lt 95 ]; then # type a sentence
        xdotool key --delay 20 p Up Return ctrl+u 2>/dev/null
        xdotool type --delay 20 "the cat sat because it was tired" 2>/dev/null
        xdotool key --delay 20 Return p 2>/dev/null
    elif [ "$kind" -lt 98 ]; then # a lesson from the picker, a few steps, an answer
        xdotool key --delay 20 l Down Return Right Right 2 Left 2>/dev/null
    else # the overview: prune, live training on and off
        xdotool key --delay 20 m space Right space r 2>/dev/null
        xdotool key --delay 200 r BackSpace 2>/dev/null
    fi
    count=$((count + 1))
    rss=$(rss_kb)
    if [ -n "$rss" ]; then
        if [ -z "$rss_warm" ] && [ "$now" -ge "$warm_at" ]; then rss_warm=$rss; fi
        [ "$rss" -gt "$rss_peak" ] && rss_peak=$rss
    fi
done

if kill -0 "$xh_pid" 2>/dev/null; then
    xh_ok "attnviz ran $count actions for $secs s"
else
    xh_fail "attnviz ended: $(tail -n 5 "$xh_tmp/app.err")"
    xh_end
fi
rss_end=$(rss_kb)
echo "soak: resident memory $rss_warm kB after the warm-up, $rss_end kB at the end, $rss_peak kB at most"
if [ -n "$rss_warm" ] && [ -n "$rss_end" ] && [ "$rss_end" -le $((rss_warm + rss_warm / 5)) ]; then
    xh_ok "resident memory grew by at most 20% after the warm-up"
else
    xh_fail "resident memory grew from $rss_warm kB to $rss_end kB (more than 20%)"
fi
# Leave whatever is open (help, panel, lesson) and quit.
xdotool key --delay 50 Escape Escape Escape 2>/dev/null
xh_key q
xh_wait_exit 0 "the app quits after the soak" 60
if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$xh_tmp/app.err"; then
    xh_fail "a sanitizer report: $(grep -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$xh_tmp/app.err")"
else
    xh_ok "no sanitizer report"
fi
xh_end
