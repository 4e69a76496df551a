#!/bin/sh
# The lesson player in a window, under Xvfb (tests/xvfb_harness.sh):
# `attnviz lesson lessons/03-why-scale.md`, checked against what the screen
# should show:
#
# - each step, once its stage has played, is the frame `attnviz lesson
#   render` draws for it (step 1 at first; Right to step 2; Right, Right,
#   Left to step 3);
# - 3 answers step 2's question: the column shows the verdict (in the
#   accent colour), the frame left of it does not change;
# - Esc leaves the lesson: the column is gone and the frame is what
#   `attnviz render` draws with step 3's settings, which stay;
# - L opens the lesson picker; a click on its first lesson opens that lesson
#   (its column is back, the frame is lesson 1's first step);
# - q quits with status 0.
#
# usage: test_lesson_window.sh PATH_TO_ATTNVIZ PATH_TO_PICTURE_PROBE
# Needs Xvfb, xdotool and ImageMagick (scripts/setup.sh deps gui).
# TEST_WINDOW_KEEP=DIR keeps the pictures there, to look at.
# shellcheck source-path=SCRIPTDIR source=xvfb_harness.sh
. "$(dirname "$0")/xvfb_harness.sh"
xh_begin test_lesson_window "${1:-build/attnviz}" "${2:-build/picture_probe}"
cd "$(dirname "$0")/.." || exit 1 # lessons/ is found from the source folder
lesson=lessons/03-why-scale.md
for first in lessons/[0-9]*.md; do break; done # the picker lists them in this order

xh_display
# every step of both lessons, finished, as the window should show them
mkdir -p "$xh_tmp/lesson" "$xh_tmp/first"
for job in "$lesson lesson" "$first first"; do
    set -- $job
    SDL_VIDEODRIVER=dummy "$xh_exe" lesson render "$1" --out "$xh_tmp/$2" --size 1280x800 \
        >/dev/null 2>"$xh_tmp/$2.err" &
    xh_bg "$!"
done
# step 3's settings (lessons/03-why-scale.md), which stay after Esc
xh_render after-esc --d-model 512 --heads 1 --kv-heads 1 --no-scale --stage softmax \
    --view focus --head 1 &
xh_bg "$!"
xh_wait_bg
xh_start lesson "$lesson" || xh_end

# The narration column fills the right of the window from x = 872.
COLUMN=400x680+876+85
LEFT=860x680+0+85
xh_key Up Up Up Up Up # faster: each step's stage plays in 0.4 s
xh_wait_same step1 "$xh_tmp/lesson/step-01.png" "$XH_ABOVE_STATUS" \
    "step 1 is what lesson render draws for it"
xh_key Right
xh_wait_same step2 "$xh_tmp/lesson/step-02.png" "$XH_ABOVE_STATUS" "Right: step 2, as lesson render draws it"
# step 2 asks a question: 3 answers it; only the column changes
xh_key 3
xh_wait_differ answered step2 "$COLUMN" "3 answers the question: the column shows the answer"
xh_check "the frame left of the column stays" xh_same answered step2 "$LEFT"
n0=$(xh_count step2 "$COLUMN" 255,196,64)
n1=$(xh_count answered "$COLUMN" 255,196,64)
xh_check "the verdict is written in the accent colour ($n0 to $n1 pixels)" [ "${n1:-0}" -gt $((${n0:-0} + 200)) ]
xh_key Right Right Left
xh_wait_same step3 "$xh_tmp/lesson/step-03.png" "$XH_ABOVE_STATUS" "Right, Right, Left: step 3"

# Esc leaves the lesson; its settings stay
xh_key Escape
xh_wait_same left after-esc "$XH_ABOVE_STATUS" \
    "Esc leaves the lesson: no column, the frame render draws with step 3's settings"
xh_alive "Esc: the app goes on"

# L: the picker; a click on its first lesson opens it. At 1280x800 the
# lines are 30 px and the list of N lessons is (N + 3) lines tall, centred:
# the first row's middle is 70 px below the list's top.
xh_key l
# the picker takes every key (S too): look at the window
XH_CAPTURE=window xh_wait_differ picker left "$XH_ABOVE_STATUS" "L opens the lesson picker"
n_lessons=$(ls lessons/[0-9]*.md | wc -l) # the test runs from the source folder
xh_click 640 $(( (800 - (n_lessons + 3) * 30) / 2 + 70 ))
xh_wait_same clicked "$xh_tmp/first/step-01.png" "$XH_ABOVE_STATUS" \
    "a click on $first opens it at its first step" 30
xh_key Escape
xh_quit "q quits"

# Lesson 10's overview steps step on with → too (a clicker sends it): the
# overview's head cursor does not take it in a lesson
ten=lessons/10-do-heads-specialise.md
mkdir -p "$xh_tmp/ten"
SDL_VIDEODRIVER=dummy "$xh_exe" lesson render "$ten" --out "$xh_tmp/ten" --size 1280x800 \
    >/dev/null 2>"$xh_tmp/ten.err"
if xh_start lesson "$ten"; then
    xh_key Up Up Up Up Up
    # 1 → 2 → 3 (a prediction on the overview: Enter commits the cursor's
    # head) → 4 … 8, the first overview step without a prediction
    xh_key Right Right Return Right Right Right Right Right
    # the narration column says which step shows (the overview's cursor
    # and hover marks, which render does not draw, stay out of it)
    xh_wait_same ten8 "$xh_tmp/ten/step-08.png" "$COLUMN" "lesson 10: step 8, the overview" 30
    xh_key Right
    xh_wait_same ten9 "$xh_tmp/ten/step-09.png" "$COLUMN" \
        "→ on an overview step goes to the next step (9)" 30
    xh_key Escape
    xh_quit "q quits"
fi
xh_end
