#!/bin/sh
# The model overview in a window, under Xvfb (tests/xvfb_harness.sh): a
# small model trained here, opened with `attnviz --model FILE`, checked
# against what the screen should show:
#
# - the first frame is the stage view `attnviz render --model FILE` draws;
# - M opens the overview (its title in the accent colour); Space switches
#   the head under the cursor (1.1) off: its map is veiled and crossed in
#   the error colour and the other heads of layer 1 stay as they were;
#   Space again gives back the very same picture;
# - a click on head 2.2 and arrows + Space switch two heads off (exactly
#   those two maps are crossed); 0 gives back the picture with every head on;
# - R trains live: the overview keeps moving; R stops it: it holds still;
#   Shift+R puts the file's weights back: the heads are drawn exactly as
#   before training;
# - the window on the X server shows what the frames do; Esc goes back to the stages (render's frame again);
#   Tab reaches the overview too and goes on to the stages;
# - q quits with status 0 while live training runs (the thread is stopped
#   and joined);
# - with mechanics, M says in the error colour what it needs and nothing
#   else changes.
#
# usage: test_model_window.sh PATH_TO_ATTNVIZ PATH_TO_PICTURE_PROBE
# Needs Xvfb, xdotool and ImageMagick (scripts/setup.sh deps gui).
# TEST_WINDOW_KEEP=DIR keeps the pictures there, to look at.
# shellcheck source-path=SCRIPTDIR source=xvfb_harness.sh
. "$(dirname "$0")/xvfb_harness.sh"
xh_begin test_model_window "${1:-build/attnviz}" "${2:-build/picture_probe}"
export ATTNVIZ_FRAME_STATS=1 # frame times on stderr, every 2 s

# A small model with the corpus's vocabulary, trained for a moment: its
# heads differ, and live training can start from its sizes.
model=$xh_tmp/model.safetensors
if "$xh_exe" train --layers 3 --heads 4 --d-model 32 --ctx 32 --batch 8 --steps 60 --warmup 5 \
    --threads 1 --eval-every 0 --quiet --out "$model" >"$xh_tmp/train.out" 2>&1; then
    xh_ok "attnviz train made a small model"
else
    xh_fail "attnviz train: $(tail -n 3 "$xh_tmp/train.out")"
    xh_end
fi

xh_display
xh_render stages --model "$model" & xh_bg "$!"
xh_render mechanics --weights mechanics --stage 1 & xh_bg "$!"
xh_wait_bg
xh_start --model "$model" || xh_end

# At 1280x800 the 3 x 4 maps sit in a grid at the left, right of their
# token labels, 179 x 226 apart: head L.H's box
box() { echo "163x163+$((90 + 179 * ($2 - 1)))+$((120 + 226 * ($1 - 1)))"; }
GRID=800x680+0+85
# The next words' bars, without the line above them: that line gains the
# held-out loss when its measurement (a thread of its own, seconds under the
# sanitizers) ends, whenever that is.
BARS=460x170+810+145
# off_heads NAME: the heads whose maps are crossed out (the error colour in their box)
off_heads() {
    list=""
    for l in 1 2 3; do
        for h in 1 2 3 4; do
            n=$(xh_count "$1" "$(box $l $h)" 255,112,96)
            [ "${n:-0}" -gt 150 ] && list="$list $l.$h"
        done
    done
    echo "${list# }"
}

xh_wait_same first stages "$XH_ABOVE_STATUS" "the first frame is the stage view render --model draws"

# ---- the overview; heads off and on ----
xh_key m
xh_wait_differ overview first "$XH_ABOVE_STATUS" "M opens the model overview"
n=$(xh_count overview 220x40+0+5 255,196,64)
xh_check "its title is in the accent colour ($n pixels)" [ "${n:-0}" -gt 300 ]
xh_check "every head is on" [ -z "$(off_heads overview)" ]
xh_key space
xh_wait_differ off-key overview "$(box 1 1)" "Space switches head 1.1 off"
off=$(off_heads off-key)
xh_check "Space: head 1.1 is crossed out, no other ($off)" [ "$off" = "1.1" ]
xh_check "the other heads of layer 1 are unchanged" xh_same off-key overview 525x190+265+95
xh_key space
xh_wait_same on-key overview "$GRID" "Space again: head 1.1 on, the heads as before"
xh_check "Space again: the next words as before" xh_same on-key overview "$BARS"
xh_click 300 430
xh_wait_differ off-click overview "$(box 2 2)" "a click switches head 2.2 off"
xh_key Right Down space
xh_wait_differ two-off off-click "$GRID" "arrows and Space switch a second head off"
off=$(off_heads two-off)
xh_check "two heads are crossed out, 2.2 and the one under the cursor ($off)" [ "$off" = "2.2 3.3" ]
# 0: every head on, the predictions as at first (the cursor stays on 3.3)
xh_key 0
xh_wait_same all-on overview "$BARS" "0 switches every head on: the predictions are back"
xh_check "no head is crossed out" [ -z "$(off_heads all-on)" ]

# ---- live training ----
xh_key r
xh_wait_differ train-a all-on "$GRID" "R: live training shows the fresh model" 30
xh_wait_differ train-b train-a "$GRID" "live training keeps changing the maps" 30
xh_alive "R: live training"
xh_key r
xh_wait_steady stopped "$GRID" "R again stops training: nothing moves"
xh_key shift+r
xh_wait_same restored all-on "$GRID" "Shift+R: the model's own weights, drawn as before training"
XH_CAPTURE=window xh_wait_same restored-window restored "$GRID" \
    "the window on the X server shows the same"
# Esc leaves the overview, Tab cycles through the views and back to it
xh_key Escape
xh_wait_same left stages "$XH_ABOVE_STATUS" "Esc goes back to the stages"
xh_key Tab Tab Tab
xh_wait_same tabbed restored "$GRID" "Tab x3: focus, arcs, then the overview"
xh_key Tab
xh_wait_same tabbed-on stages "$XH_ABOVE_STATUS" "Tab again: the stages"
# q while training: the thread is stopped and joined, status 0
xh_key m r
xh_wait_differ training-at-quit restored "$GRID" "M, R: training again" 30
xh_quit "q while training"
grep 'update+draw+present' "$xh_tmp/app.err" | tail -n 2 | sed 's/^/frame times: /'

# ---- mechanics: M says what it needs ----
if xh_start --weights mechanics; then
    xh_wait_same mech mechanics "$XH_ABOVE_STATUS" "mechanics: the first frame is render's"
    xh_key m
    xh_wait_differ mech-m mechanics 1280x34+0+766 "M with mechanics: a message"
    n=$(xh_count mech-m 1280x34+0+766 255,112,96)
    xh_check "the message is in the error colour ($n pixels)" [ "${n:-0}" -gt 50 ]
    xh_check "M with mechanics changes nothing else" xh_same mech-m mechanics "$XH_ABOVE_STATUS"
    xh_quit "mechanics: q quits"
fi
xh_end
