#!/bin/sh
# End-to-end test of the window: attnviz under a virtual display (Xvfb),
# driven by keys from xdotool through tests/xvfb_harness.sh, its frames
# checked against what they should show:
#
# - with no options the first frame is render's with no options: the trained
#   model on its start sentence; W switches to random weights (the mechanics,
#   which the rest of this test is about) and back;
# - the first frame, every one of the ten stages, the views and heads, the
#   light theme and the dark one are each the frame `attnviz render` draws
#   with the same settings (it shares the drawing code), above the status line;
# - a stage change changes the main area and leaves the caption bar in place;
# - the dark theme's background is dark and the light theme's light;
# - Space plays on through the stages and stops at stage 10; Home goes
#   back to stage 1 shown whole, paused (the picture holds still), and the
#   status saying so goes with the next stage; Space plays on;
# - 9 with 4 heads shows an error on the status line and changes nothing;
# - H draws the help over a dimmed frame, Esc takes it away; Ctrl +/- change
#   the type and Ctrl 0 restores it;
# - P draws the settings panel, its changes apply (a setting that cannot
#   apply shows an error in the panel and changes nothing), a typed sentence
#   applies, Esc takes the panel away and the frame is what render draws
#   with the new settings;
# - S saves a PNG of the frame (its path printed), 1280x800, render's frame;
# - the window shrinks to 200x150 with the panel open, and at 800x600 it
#   draws what render draws at that size; q quits with status 0;
# - S into a folder that cannot be written shows an error, the app goes on;
# - without a display attnviz says so on one line and exits 2.
# - in the settings panel, after a refused (empty) sentence the field keeps
#   the keys: t and s type into it (no theme change, no screenshot) and
#   Enter applies them; Ctrl+A selects the text and typing replaces it;
#   Esc discards an edit and says so; a click away applies it, also after
#   a refused choice (heads 16, d_model 8), which the panel explains and
#   puts back to the value in effect;
#   with the panel open a digit picks no head and q closes the panel (the
#   app goes on); digits typed into Seed apply with Enter (the frame is
#   render's with that --seed) and are thrown away with Esc.
# - a model path of 200 characters that does not exist: the error breaks
#   into lines inside the settings panel, nothing of it outside.
#
# usage: test_window.sh PATH_TO_ATTNVIZ PATH_TO_PICTURE_PROBE
# Needs Xvfb, xdotool and ImageMagick (scripts/setup.sh deps gui).
# TEST_WINDOW_KEEP=DIR keeps the pictures there, to look at.
# shellcheck source-path=SCRIPTDIR source=xvfb_harness.sh
. "$(dirname "$0")/xvfb_harness.sh"
xh_begin test_window "${1:-build/attnviz}" "${2:-build/picture_probe}"

# ---- no display: exit 2 with one line that says what to do ----
DISPLAY='' WAYLAND_DISPLAY='' timeout 30 "$xh_exe" >"$xh_tmp/nodisplay.out" 2>"$xh_tmp/nodisplay.err"
status=$?
xh_check "without a display: exit status $status, want 2" [ "$status" -eq 2 ]
xh_check "without a display: says 'no display available' and points to attnviz render" \
    grep -q "no display available.*attnviz render" "$xh_tmp/nodisplay.err"
xh_check "without a display: one line on stderr" [ "$(wc -l <"$xh_tmp/nodisplay.err")" -eq 1 ]

# the frames the window should show, drawn offscreen while Xvfb starts
xh_display
xh_render start & xh_bg "$!"
for n in 1 2 3 4 5 6 7 8 9 10; do xh_render "stage$n" --weights mechanics --stage "$n" & xh_bg "$!"; done
xh_render focus1 --weights mechanics --stage 7 --view focus --head 1 & xh_bg "$!"
xh_render focus2 --weights mechanics --stage 7 --view focus --head 2 & xh_bg "$!"
xh_render focus4 --weights mechanics --stage 7 --view focus --head 4 & xh_bg "$!"
xh_render arcs2 --weights mechanics --stage 7 --view arcs --head 2 & xh_bg "$!"
xh_render light10 --weights mechanics --stage 10 --theme light & xh_bg "$!"
xh_wait_bg
xh_start || xh_end

# ---- the start: the trained model; W switches to random weights and back ----
xh_wait_same start-window start "$XH_ABOVE_STATUS" "no options: the first frame is render's, the trained model"
xh_key w
xh_wait_same w-mechanics stage7 "$XH_ABOVE_STATUS" "W: random weights on their example at the same stage, as render --weights mechanics --stage 7"
xh_key w
xh_wait_same w-trained start "$XH_ABOVE_STATUS" "W again: the trained model on its start sentence"
xh_quit "q quits the trained model's window"
# the rest is about the mechanics, which open on stage 1
xh_start --weights mechanics || xh_end

# ---- the first frame, the stages ----
xh_wait_same first stage1 "$XH_ABOVE_STATUS" "the first frame is stage 1 as attnviz render draws it"
XH_CAPTURE=window xh_wait_same first-window stage1 "$XH_ABOVE_STATUS" \
    "the window on the X server shows it too"
m=$(xh_mean first 6x600+0+120)
xh_check "the dark theme's background is dark (mean $m)" xh_lt "$m" 0.15
# faster (x1.5 five times: a stage in 0.4 s), so the animations end soon
xh_key Up Up Up Up Up
# Right plays the next stage's animation: straight on to stage 10, which
# then holds still; Left shows each earlier stage finished
xh_key Right
xh_wait_differ stage2-window first "$XH_MAIN" "Right: the next stage"
xh_key Right Right Right Right Right Right Right Right
xh_wait_same stage10-window stage10 "$XH_ABOVE_STATUS" "Right x9: stage 10 as render draws it"
xh_key Right # past the last: a message, nothing else
n=9
while [ $n -ge 1 ]; do
    xh_key Left
    xh_wait_same "stage$n-window" "stage$n" "$XH_ABOVE_STATUS" "Left: stage $n as render draws it"
    n=$((n - 1))
done
# a stage change redraws the main area; the caption bar keeps its place:
# its lower border is the row y = 83, and the column at the right edge
# (the bar, its border, the background) is the same in every stage
xh_check "stage 2's main area differs from stage 1's" xh_differ stage1 stage2-window "$XH_MAIN"
edge=$(xh_pixel stage1-window 1278 83)
xh_check "stage 1: the caption bar's border is the row y = 83 ($edge)" [ "$edge" = 62,67,78 ]
for n in 2 3 4 5 6 7 8 9 10; do
    xh_check "stage $n: the caption bar is where it is in stage 1" \
        xh_same "stage$n-window" stage1-window 1x120+1278+0
done
xh_key Right Right Right Right Right Right
xh_wait_same stage7-again stage7 "$XH_ABOVE_STATUS" "Right x6: stage 7"

# ---- views and heads ----
xh_key Tab
xh_wait_same view-focus focus1 "$XH_ABOVE_STATUS" "Tab: one head in focus, head 1"
xh_key 2
xh_wait_same view-focus2 focus2 "$XH_ABOVE_STATUS" "2: head 2 in focus"
# , and . step the head in focus, round the ends (any number of heads)
xh_key period period
xh_wait_same view-focus4 focus4 "$XH_ABOVE_STATUS" ". twice: head 4 in focus"
xh_key period comma comma comma
xh_wait_same view-focus2b focus2 "$XH_ABOVE_STATUS" ". past the last head, then , three times: head 2"
xh_key Tab
xh_wait_same view-arcs arcs2 "$XH_ABOVE_STATUS" "Tab: arcs of head 2"
xh_key Tab
xh_wait_same view-heads stage7 "$XH_ABOVE_STATUS" "Tab: all heads again"
# 4 heads: 9 names no head; an error on the status line, nothing else changes
xh_key 9
xh_wait_differ head9 view-heads 1280x34+0+766 "9 with 4 heads: a message"
n=$(xh_count head9 1280x34+0+766 255,112,96)
xh_check "the message is in the error colour ($n pixels)" [ "${n:-0}" -gt 50 ]
xh_check "9 with 4 heads changes nothing above the status line" xh_same head9 stage7 "$XH_ABOVE_STATUS"

# ---- play, pause, speed ----
xh_key space
xh_wait_differ playing stage7 "$XH_MAIN" "Space plays: the picture moves on"
xh_wait_same played stage10 "$XH_ABOVE_STATUS" "playing goes through to stage 10 and stops" 30
# Home goes back to stage 1, shown whole (its start is an empty map), and
# pauses there (the class begins when Space says so); Space plays on
xh_key Home
xh_wait_same paused stage1 "$XH_ABOVE_STATUS" "Home: stage 1 shown whole, paused"
xh_wait_steady paused-still "$XH_MAIN" "Home: the picture holds still"
# the status "stage 1 (embed), paused: Space plays on" goes as soon as it is
# false: after Right the status line's left part shows the key hints, as render's
xh_key Right
xh_wait_same home-right stage2 900x34+0+766 "Home then Right: the paused status is gone at once"
xh_key Home
xh_wait_same paused-again stage1 "$XH_ABOVE_STATUS" "Home again: stage 1 shown whole"
xh_key Down Up space
xh_wait_differ resumed paused "$XH_MAIN" "Space plays on"
xh_key Right Right Right Right Right Right Right Right Right
xh_wait_same stage10-again stage10 "$XH_ABOVE_STATUS" "Right x9: stage 10 again"

# ---- the light theme ----
xh_key t
xh_wait_same light light10 "$XH_ABOVE_STATUS" "T: the light theme, as render --theme light draws it"
m=$(xh_mean light 6x600+0+120)
xh_check "the light theme's background is light (mean $m)" xh_gt "$m" 0.9
xh_key t
xh_wait_same dark stage10 "$XH_ABOVE_STATUS" "T again: the dark theme"

# ---- help and type size ----
xh_key h
xh_wait_differ help stage10 "$XH_ABOVE_STATUS" "H opens the help"
# the help box's border is in the accent colour; around it the frame is dimmed
n=$(xh_count help 1280x800+0+0 255,196,64)
xh_check "the help box has its accent border ($n pixels)" [ "${n:-0}" -gt 1000 ]
m0=$(xh_mean stage10 200x500+10+150)
m1=$(xh_mean help 200x500+10+150)
xh_check "the frame beside the help is dimmed ($m0 to $m1)" xh_lt "$m1" "$(awk -v m="$m0" 'BEGIN { print m * 0.8 }')"
xh_key Escape
xh_wait_same help-closed stage10 "$XH_ABOVE_STATUS" "Esc closes the help"
xh_key question
xh_wait_same help2 help "$XH_ABOVE_STATUS" "? opens the help too"
xh_key question
xh_wait_same help-closed2 stage10 "$XH_ABOVE_STATUS" "? closes it"
xh_key ctrl+plus
xh_wait_differ larger stage10 "$XH_ABOVE_STATUS" "Ctrl + makes the type larger"
xh_key ctrl+minus ctrl+minus
xh_wait_differ smaller larger "$XH_ABOVE_STATUS" "Ctrl - makes it smaller"
xh_key ctrl+0
xh_wait_same default-type stage10 "$XH_ABOVE_STATUS" "Ctrl 0: the default type again"

# ---- the settings panel ----
# The panel fills the right of the window in its own colour; the frame moves
# left. A change applies at once and replays the stage (stage 10 here).
xh_key p
xh_wait_differ panel stage10 "$XH_ABOVE_STATUS" "P opens the settings panel"
n=$(xh_count panel 420x30+850+735 33,36,43)
xh_check "the panel is drawn at the right ($n of 12600 pixels in its colour)" [ "${n:-0}" -gt 9000 ]
n=$(xh_count stage10 420x80+850+680 33,36,43)
xh_check "without the panel nothing there has its colour ($n pixels)" [ "${n:-1}" -lt 500 ]
# it opens with Heads in focus: Right picks 8 heads at once
xh_key Right
xh_wait_differ heads8 panel 800x680+0+85 "Right in the panel applies 8 heads"
# 16 heads, then d_model 32 → 16 → 8: 16 heads do not divide 8, the panel
# says so in its error colour and nothing applies
xh_key Right Down Left
xh_wait_steady d16 800x680+0+85 "16 heads, d_model 16"
n=$(xh_count d16 460x720+820+40 255,112,96)
xh_check "no error in the panel ($n pixels in the error colour)" [ "${n:-1}" -lt 20 ]
xh_key Left
xh_wait_differ bad d16 460x720+820+40 "d_model 8: the panel shows the problem"
n=$(xh_count bad 460x720+820+40 255,112,96)
xh_check "the problem is in the error colour ($n pixels)" [ "${n:-0}" -gt 50 ]
xh_check "with the bad setting nothing applied" xh_same bad d16 800x680+0+85
# the refused 8 went back to the 16 in effect: Right gives 32, Left 16 again,
# each applied, and the error goes with the first
no_error() { xh_capture "$1" && [ "$(xh_count "$1" 460x720+820+40 255,112,96)" -lt 20 ]; }
xh_key Right Left
xh_until 10 no_error fixed
n=$(xh_count fixed 460x720+820+40 255,112,96)
xh_check "d_model 32 then 16 again: the error is gone ($n pixels in the error colour)" [ "${n:-1}" -lt 20 ]
xh_wait_same fixed-frame d16 800x680+0+85 "after the refusal d_model 32 and back to 16 apply: the frame is 16's again"
# the sentence field: Enter edits, Ctrl+U clears, typed text (with a q in
# it, which must not quit) applies with Enter
xh_key Up Up Return ctrl+u
xdotool type --delay 30 'quiet cats sat'
xh_key Return
xh_wait_differ sentence fixed 800x680+0+85 "a typed sentence applies"
xh_alive "typing a q"
xh_key Escape
# render_settings NAME ARGS...: stage 10 with the settings made in the panel
render_settings() {
    xh_render "$@" --stage 10 --heads 16 --d-model 16 --sentence 'quiet cats sat'
}
render_settings settings
xh_wait_same panel-closed settings "$XH_ABOVE_STATUS" \
    "Esc closes the panel: the frame is render's with 16 heads, d_model 16 and the sentence"

# ---- S: a PNG of the frame, its path printed ----
if xh_frame snap; then
    xh_ok "S saved a PNG and printed its path"
    size=$(xh_size snap)
    xh_check "the screenshot is 1280x800 ($size)" [ "$size" = "1280 800" ]
    xh_check "the screenshot is the frame render draws" xh_same snap settings "$XH_ABOVE_STATUS"
else
    xh_fail "S: no screenshot within 10 s: $(tail -n 2 "$xh_tmp/app.err")"
fi

# ---- small and medium windows ----
# at 200x150 the panel opens and its K/V heads change to 8 (Down Down Right)
xdotool windowsize "$xh_wid" 200 150
xh_key p Down Down Right p
small() { xh_shot small && [ "$(xh_size small)" = "200 150" ]; }
xh_check "the window on the X server is 200x150" xh_until 10 small
xh_frame small-frame
size=$(xh_size small-frame)
xh_check "the app draws 200x150 ($size)" [ "$size" = "200 150" ]
xh_alive "200x150 with the panel open"
xdotool windowsize "$xh_wid" 800 600
XH_W=800 XH_H=600
render_settings medium --kv-heads 8
XH_W=1280 XH_H=800
xh_wait_same medium-window medium 800x566+0+0 "800x600 draws what render draws at that size, 8 K/V heads"
xh_key p
xh_wait_differ medium-panel medium 800x566+0+0 "at 800x600 the panel opens"
xh_key p
xh_wait_same medium-closed medium 800x566+0+0 "and closes"
xh_quit "q quits"

# ---- a screenshot folder that cannot be written: an error on screen, the app goes on ----
XH_SHOTS=/nonexistent/attnviz-test
XH_CAPTURE=window # S saves nothing here: look at the window
if xh_start; then
    xh_wait_same unwritable-first start "$XH_ABOVE_STATUS" "started again, on the trained model"
    xh_key s
    xh_wait_differ unwritable unwritable-first 1280x34+0+766 "S into a folder that does not exist: a message"
    n=$(xh_count unwritable 1280x34+0+766 255,112,96)
    xh_check "the message is in the error colour ($n pixels)" [ "${n:-0}" -gt 50 ]
    xh_check "no path printed" [ ! -s "$xh_tmp/app.out" ]
    xh_alive "S into a folder that does not exist"
    xh_quit "q quits after a failed screenshot"
fi
# ---- traps in the sentence field: a refused sentence keeps the keys, Ctrl+A replaces ----
# Looked at through the X server (XH_CAPTURE=window): the S key that takes
# the app's frame would type an s into a field that has the keys.
XH_SHOTS=$xh_tmp/traps-shots
mkdir -p "$XH_SHOTS"
XH_CAPTURE=window
shots_none() { [ -z "$(ls -A "$XH_SHOTS")" ]; }
xh_render traps10 --weights mechanics --stage 10 & xh_bg "$!"
xh_render traps-ts --weights mechanics --stage 10 --sentence ts & xh_bg "$!"
xh_render traps-cat --weights mechanics --stage 10 --sentence 'cat sat' & xh_bg "$!"
xh_render traps-dog --weights mechanics --stage 10 --sentence 'dog ran' & xh_bg "$!"
xh_render traps-cats16 --weights mechanics --stage 10 --sentence 'cats chase mice' --heads 16 --d-model 16 & xh_bg "$!"
xh_render traps-seed --weights mechanics --stage 10 --sentence 'cats chase mice' --heads 16 --d-model 16 --seed 4242 & xh_bg "$!"
xh_wait_bg
if xh_start --weights mechanics; then
    xh_key Up Up Up Up Up Right Right Right Right Right Right Right Right Right
    xh_wait_same traps-start traps10 "$XH_ABOVE_STATUS" "started again, on random weights, stage 10"
    # Enter edits the sentence, Ctrl+U empties it, Enter: refused (no words)
    xh_key p Up Return ctrl+u Return
    # the reason is right under the field (not at the panel's foot, which
    # can be below its fold)
    refused() { xh_capture "$1" && [ "$(xh_count "$1" 460x60+820+195 255,112,96)" -gt 50 ]; }
    xh_check "an empty sentence is refused: the panel says why under the field in the error colour" \
        xh_until "$xh_wait" refused traps-refused
    # t and s now type into the field: no light theme, no screenshot; Enter
    # applies the sentence "ts"
    xh_key t s
    xh_wait_differ traps-typed traps-refused 460x720+820+40 "t and s after the refusal: the panel changes (the field shows them)"
    xh_check "t and s after the refusal: the theme stays dark (frame beside the panel unchanged)" \
        xh_same traps-typed traps-refused 800x680+0+85
    xh_key Return Escape
    xh_wait_same traps-ts-window traps-ts "$XH_ABOVE_STATUS" \
        "Enter applies what was typed after the refusal: the frame is render's with the sentence ts"
    xh_check "t and s after the refusal: no screenshot was written" shots_none
    # Ctrl+A selects the field's text; typing replaces it
    xh_key p Up Return ctrl+a
    xdotool type --delay 30 'cat sat'
    xh_key Return Escape
    xh_wait_same traps-cat-window traps-cat "$XH_ABOVE_STATUS" \
        "Ctrl+A then typing replaces the text: the frame is render's with the sentence 'cat sat'"
    xh_check "no screenshot was written all along" shots_none
    # Esc in the field with an edit: the edit goes, and the status line says
    # so; the frame keeps 'cat sat' when the panel closes
    xh_key p Up Return ctrl+a
    xdotool type --delay 30 'dog ran'
    xh_wait_steady traps-esc-typed 460x720+820+40 "an edit typed over 'cat sat'"
    xh_key Escape
    xh_wait_differ traps-esc-said traps-esc-typed 820x34+0+766 "Esc in the field: the status line says the edit was discarded"
    xh_key Escape
    xh_wait_same traps-esc-window traps-cat "$XH_ABOVE_STATUS" \
        "Esc discarded the edit: the frame keeps the sentence 'cat sat'"
    # refused, then Esc: the field shows the applied sentence again, and the
    # reason it gave goes with the edit
    xh_key p Up Return ctrl+u Return
    xh_check "an empty sentence is refused again" xh_until "$xh_wait" refused traps-refused2
    xh_key Escape
    cleared() { xh_capture "$1" && [ "$(xh_count "$1" 460x60+820+195 255,112,96)" -lt 20 ]; }
    xh_check "Esc after a refusal: the reason under the field goes with the edit" \
        xh_until "$xh_wait" cleared traps-cleared
    xh_key Escape
    # a click elsewhere applies the edit, as Enter does (in the caption,
    # where a click changes nothing else)
    xh_key p Up Return ctrl+a
    xdotool type --delay 30 'dog ran'
    xh_click 700 30
    xh_key Escape
    xh_wait_same traps-blur-window traps-dog "$XH_ABOVE_STATUS" \
        "a click away from the field applies its edit: the frame is render's with 'dog ran'"
    # heads 16, then d_model 8: refused (16 heads do not divide 8), said in
    # the panel in the error colour, and d_model goes back to 16; a sentence
    # typed after it applies on the values in effect (a refused value once
    # stayed in the panel and made every later change fail with it)
    xh_key p Right Right Down Left Left
    refused_d8() { xh_capture "$1" && [ "$(xh_count "$1" 460x720+820+40 255,112,96)" -gt 50 ]; }
    xh_check "heads 16 with d_model 8: the panel says why in the error colour" \
        xh_until "$xh_wait" refused_d8 traps-refused-d8
    xh_key Up Up Return ctrl+a
    xdotool type --delay 30 'cats chase mice'
    xh_click 700 30
    xh_key Escape
    xh_wait_same traps-after-refusal traps-cats16 "$XH_ABOVE_STATUS" \
        "after the refused d_model 8 the typed sentence applies: render's frame with 'cats chase mice', 16 heads, d_model 16"
    # q after text editing too: SDL's wake-up event, sent over a second X
    # connection, once reached the destroyed window at about one quit in
    # four (BadWindow, exit status 1); the window now polls instead
    xh_alive "after the traps"
    # With the panel open its keys stay in it: a digit does not pick a head
    # (7 of 16 heads would show head 7 alone), q closes the panel and does
    # not quit, and digits typed into Seed apply with Enter
    xh_key p 7
    sleep 1
    xh_key Escape
    xh_wait_same traps-digit-window traps-cats16 "$XH_ABOVE_STATUS" \
        "7 with the panel open picks no head: the frame is still all 16 heads"
    xh_check "the seed 4242 draws other weights than the default seed" \
        xh_differ traps-seed traps-cats16 "$XH_MAIN"
    # Down x8: from Heads to Seed (past Cross-attention); a typed value Esc throws away changes nothing
    xh_key p Down Down Down Down Down Down Down Down
    xdotool type --delay 30 '999'
    xh_key Escape q
    sleep 1
    xh_alive "q with the settings panel open"
    xh_wait_same traps-seed-esc traps-cats16 "$XH_ABOVE_STATUS" \
        "digits typed into Seed and Esc: the seed stays; q closed the panel"
    xh_key p Down Down Down Down Down Down Down Down
    xdotool type --delay 30 '4242'
    xh_key Return q
    sleep 1
    xh_alive "q after typing into Seed"
    xh_wait_same traps-seed-window traps-seed "$XH_ABOVE_STATUS" \
        "4242 typed into Seed, Enter: the frame is render's with --seed 4242"
    xh_quit "q quits after the traps"
fi
# ---- a long error in the settings panel wraps inside the panel ----
# A model path of 200 characters that does not exist: the message (one
# long word) breaks into lines inside the panel; the frame beside the
# panel and the panel's right margin get none of it.
if xh_start; then
    xh_key p
    xh_wait_steady panel-open 1280x766+0+0 "the panel opens on the trained model"
    long=/no/such/folder/$(printf 'x%.0s' $(seq 1 172)).safetensors
    xh_key Up Return ctrl+a # the model file field, its text selected
    xdotool type --delay 20 "$long"
    xh_key Return
    long_error() { xh_capture "$1" && [ "$(xh_count "$1" 460x720+820+40 255,112,96)" -gt 1500 ]; }
    xh_check "a model path of 200 characters that does not exist: a long error in the panel" \
        xh_until "$xh_wait" long_error panel-error
    n=$(xh_count panel-error 821x766+0+0 255,112,96)
    xh_check "none of the error is drawn left of the panel ($n pixels)" [ "${n:-1}" -eq 0 ]
    n=$(xh_count panel-error 8x766+1272+0 255,112,96)
    xh_check "none of it in the panel's right margin ($n pixels)" [ "${n:-1}" -eq 0 ]
    xh_check "the frame beside the panel is as before" xh_same panel-error panel-open 820x766+0+0
    xh_alive "after a long error"
    xh_key ctrl+q
    xh_wait_exit 0 "Ctrl+Q quits with the panel open"
fi
# A sentence longer than the model file field's path: the caret is the
# edited field's alone, so every letter lands where it was typed (another
# field's shorter text once held the caret back, and the rest came out
# reversed).
long='the girl met the robot because she was hungry and then the robot met the girl because it was tired'
xh_render long-sentence --sentence "$long"
if xh_start; then
    xh_key p
    xh_wait_steady long-panel 1280x766+0+0 "the panel opens"
    xh_click 1000 185 # the sentence field: it edits
    xh_key ctrl+a
    xdotool type --delay 15 "$long"
    xh_key Return Escape
    xh_wait_same long-sentence-window long-sentence "$XH_ABOVE_STATUS" \
        "a typed sentence of ${#long} characters applies as typed: the frame is render's with it" 30
fi
xh_end
