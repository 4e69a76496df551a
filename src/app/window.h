/* The desktop window: the interactive lesson. */
#ifndef ATTNVIZ_APP_WINDOW_H
#define ATTNVIZ_APP_WINDOW_H

#include <stddef.h>

#include "app.h"

/* Opens a window on settings, in theme t (NULL: dark), and runs the lesson
 * until the user quits (Q, Esc, or closing the window). Returns ATTN_OK, or a failure with a message in err:
 * no display, no font, settings that do not build. The keys:
 *
 *   Space       play on through the stages / pause (on a finished stage: the next one)
 *   Right/Left  next stage, played once / previous stage, shown finished
 *   Home        restart from stage 1, playing       Up/Down  speed ×1.5 / ÷1.5
 *   1-9, 0      head in focus (0 = 10), focus view  Tab, Shift+Tab  next / previous view
 *   F           fullscreen                          Ctrl +/-, Ctrl 0  type size, reset
 *   S           screenshot PNG                      T  light / dark theme
 *   P           settings panel (also its button)    E  next example sentence
 *   H or ?      help                                Esc  close help / panel, else quit
 *   Q           quit (with the settings panel open: close it; Ctrl+Q always quits)
 * With lesson_path (not NULL) the window opens on that lesson's first step:
 *   Right/Left  next / previous step   1-6  answer the step's question
 *   Esc         leave the lesson (its settings stay)
 * L opens a lesson picker (the .md files of lessons/) at any time.
 * In the open panel, Tab/Up/Down move between fields, Left/Right change
 * one, Enter presses a button or edits the sentence (Enter applies, Esc
 * cancels). A change applies at once and replays the stage; a setting that
 * does not build is shown with its message and nothing is applied.
 *
 * Screenshots go to $ATTNVIZ_SCREENSHOT_DIR (default: the current folder)
 * as attnviz-YYYYMMDD-HHMMSS.png; the path is printed on stdout.
 * stage: the stage to open on (state_stage); negative: the model's opening stage.
 * ATTNVIZ_FRAME_STATS=1 prints the mean frame time every 2 s on stderr; =each prints
 * every frame's time, drawn and presented. */
int app_window_run(const state_settings *settings, const theme *t, bool present,
                   const char *lesson_path, int stage, char *err, size_t err_len);

#endif
