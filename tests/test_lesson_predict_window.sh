#!/bin/sh
# A prediction in a window, under Xvfb (tests/xvfb_harness.sh), answered
# with the keyboard alone: `attnviz lesson lessons/01-soft-lookup.md`, whose
# step 3 asks which key row 8 will weight most (pick: key 1 8, hold: scores).
#
# - Right, Right: step 3 is held on the scores, the cursor on the first key,
#   as `attnviz lesson render` draws step-03.png;
# - Right moves the cursor (the picture changes), Left brings it back;
# - Enter commits it: the softmax plays and stops as render draws
#   step-03-answered.png (the same pick committed), and the marks are there
#   by pixels: the right key outlined in the theme's green on the map, none
#   of that green before;
# - Right then goes on to step 4 (the prediction no longer holds the arrows);
# - q quits with status 0.
#
# usage: test_lesson_predict_window.sh PATH_TO_ATTNVIZ PATH_TO_PICTURE_PROBE
# Needs Xvfb, xdotool and ImageMagick (scripts/setup.sh deps gui).
# TEST_WINDOW_KEEP=DIR keeps the pictures there, to look at.
# shellcheck source-path=SCRIPTDIR source=xvfb_harness.sh
. "$(dirname "$0")/xvfb_harness.sh"
xh_begin test_lesson_predict_window "${1:-build/attnviz}" "${2:-build/picture_probe}"
cd "$(dirname "$0")/.." || exit 1 # lessons/ is found from the source folder
lesson=lessons/01-soft-lookup.md

xh_display
mkdir -p "$xh_tmp/lesson"
SDL_VIDEODRIVER=dummy "$xh_exe" lesson render "$lesson" --out "$xh_tmp/lesson" --size 1280x800 \
    >/dev/null 2>"$xh_tmp/render.err" &
xh_bg "$!"
xh_wait_bg
xh_check "lesson render drew step 3 held and answered" \
    [ -f "$xh_tmp/lesson/step-03.png" -a -f "$xh_tmp/lesson/step-03-answered.png" ]
xh_start lesson "$lesson" || xh_end

# the heatmaps left of the narration column (x < 872), above the status line
LEFT=860x680+0+85
GREEN=96,224,128 # the dark theme's colour of a prediction's right answer
xh_key Up Up Up Up Up # faster: each step's stage plays in 0.4 s
xh_key Right Right
xh_wait_same held "$xh_tmp/lesson/step-03.png" "$XH_ABOVE_STATUS" \
    "step 3 waits for the prediction on the scores, as lesson render draws it"
xh_key Right
xh_wait_differ moved held "$LEFT" "Right moves the cursor along row 8"
xh_check "the step stays held while the cursor moves" \
    xh_same moved held 860x60+0+0
xh_key Left
xh_wait_same back held "$XH_ABOVE_STATUS" "Left brings the cursor back to the first key"
g0=$(xh_count held "$LEFT" "$GREEN")
xh_key Return
xh_wait_same answered "$xh_tmp/lesson/step-03-answered.png" "$XH_ABOVE_STATUS" \
    "Enter commits: the softmax plays, as lesson render draws the answered step" 30
g1=$(xh_count answered "$LEFT" "$GREEN")
xh_check "the right key is outlined in green on the map ($g0 to $g1 pixels)" \
    [ "${g0:-1}" -eq 0 -a "${g1:-0}" -gt 40 ]
xh_key Right
xh_wait_same step4 "$xh_tmp/lesson/step-04.png" "$XH_ABOVE_STATUS" \
    "once predicted, Right goes on to step 4" 30
xh_quit "q quits"
xh_end
