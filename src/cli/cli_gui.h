/* The commands that draw (the window build only): the app, a lesson in
 * the window, `render`, `lesson render` and `bench render`. Each returns 0,
 * or 2 with a one-line message in err. */
#ifndef ATTNVIZ_CLI_GUI_H
#define ATTNVIZ_CLI_GUI_H

#include <stdio.h>

#include "cli.h"

/* The app on o's settings (checked before any window opens). */
int cli_run_app(const cli_options *o, char *err, size_t err_len);

/* attnviz lesson FILE: the app on the built-in example, then the lesson's
 * first step (in o's theme). A lesson that does not parse exits 2 before
 * any window. */
int cli_run_lesson(const cli_options *o, const char *path, char *err, size_t err_len);

/* attnviz render: one frame as PNG, its path printed on stdout. */
int cli_run_render(const cli_options *o, char *err, size_t err_len);

/* `attnviz lesson render FILE --out DIR`: each step of the lesson drawn
 * finished (progress 1, question unanswered) as DIR/step-NN.png at r's size
 * and theme (with layouts, what each drew as DIR/step-NN.json, layout_record.h),
 * each path printed on out. Returns 0, or 2 with a message (the
 * parser's FILE:LINE: message, a DIR that is not a writable folder). */
int cli_lesson_render(FILE *out, const char *path, const state_frame *r, bool layouts, char *err,
                      size_t err_len);

/* `attnviz bench render`: frame times offscreen, one line per case. */
int cli_bench_render(FILE *f, char *err, size_t err_len);

#endif
