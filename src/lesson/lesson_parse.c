/* The lesson parser's line loop: title, summary, steps, narration, comments,
 * code blocks, and where the ```attnviz and ```question blocks start and
 * end (their lines are read by lesson_block.c). At the end of each step
 * lesson_settings.c works out the settings in effect and checks them.
 *
 * One pass over the lines, each line looked at a bounded number of times;
 * errors are collected (with their line) and reported sorted by line at
 * the end, so that `lesson check` reads top to bottom. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attnviz/tokenize.h"
#include "lesson_internal.h"

void lesson_error(parser *p, size_t line, const char *fmt, ...) {
    if (p->n_errors == LESSON_ERRORS_MAX) {
        p->n_dropped++;
        return;
    }
    error_item *e = &p->errors[p->n_errors++];
    e->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    attn_clean_line(e->text); /* messages quote lines of the file */
}

lesson_step *current_step(parser *p) {
    return p->has_step ? &p->out->steps[p->out->n_steps - 1] : NULL;
}

static void out_of_memory(parser *p, size_t line) {
    lesson_error(p, line, "out of memory while reading the lesson");
    p->stop = true;
}

/* ---- line shapes ----------------------------------------------------------- */

/* "#", "##": the heading's level (1 or 2) when the line is "# text" or
 * "## text" (a space or tab after the hashes, or nothing), else 0.
 * "### Sub" and deeper are part of the narration. */
static int heading_level(span line, span *title) {
    size_t n = 0;
    while (n < line.len && line.s[n] == '#') n++;
    if (n < 1 || n > 2) return 0;
    if (n < line.len && line.s[n] != ' ' && line.s[n] != '\t') return 0;
    *title = span_trim(span_after(line, n));
    return (int)n;
}

/* A fence opens a code block: up to 3 spaces, then 3 or more ` or ~, then
 * the info string ("attnviz", "question", "sh", ...). */
static bool fence_open(span line, char *ch, size_t *len, span *info) {
    size_t i = 0;
    while (i < line.len && i < 3 && line.s[i] == ' ') i++;
    if (i >= line.len || (line.s[i] != '`' && line.s[i] != '~')) return false;
    char c = line.s[i];
    size_t n = 0;
    while (i + n < line.len && line.s[i + n] == c) n++;
    if (n < 3) return false;
    span rest = span_trim(span_after(line, i + n));
    /* CommonMark: a backtick fence's info may not hold a backtick
     * (```code``` on one line is inline code, not a fence). */
    if (c == '`')
        for (size_t k = 0; k < rest.len; k++)
            if (rest.s[k] == '`') return false;
    *ch = c;
    *len = n;
    *info = rest;
    return true;
}

/* The closing fence: the same character, at least as many, nothing else. */
static bool fence_close(const parser *p, span line) {
    size_t i = 0;
    while (i < line.len && i < 3 && line.s[i] == ' ') i++;
    size_t n = 0;
    while (i + n < line.len && line.s[i + n] == p->fence_char) n++;
    return n >= p->fence_len && span_trim(span_after(line, i + n)).len == 0;
}

/* ---- narration --------------------------------------------------------------- */

/* A line of the step's narration (or, before the first step, of the
 * lesson's introduction, which is not kept). */
static void narration_line(parser *p, span line, size_t ln) {
    if (!p->has_step) return;
    bool blank = span_trim(line).len == 0;
    /* Blank lines at the start, or left in a row by a block or comment taken
     * out, are dropped; inside a code block every line is kept. */
    if (blank && p->mode != MODE_CODE && (p->narration.len == 0 || p->narration_blank)) return;
    if (p->n_nar_lines == p->cap_nar_lines) {
        size_t cap = p->cap_nar_lines ? p->cap_nar_lines * 2 : 64;
        size_t *grown = realloc(p->nar_lines, cap * sizeof *grown);
        if (!grown) {
            out_of_memory(p, ln);
            return;
        }
        p->nar_lines = grown;
        p->cap_nar_lines = cap;
    }
    if (!strbuf_add(&p->narration, line.s, line.len) || !strbuf_add(&p->narration, "\n", 1)) {
        out_of_memory(p, ln);
        return;
    }
    p->nar_lines[p->n_nar_lines++] = ln;
    p->narration_blank = blank;
}

/* Live values need a step's settings; elsewhere they are a mistake. */
static void refuse_live_values(parser *p, span text, size_t ln, const char *where) {
    if (span_has(text, "{{"))
        lesson_error(p, ln,
                     "a live value in %s: {{...}} is computed for a step's settings, so use it "
                     "in a step's narration or question",
                     where);
}

/* ---- steps --------------------------------------------------------------- */

static void end_step(parser *p) {
    lesson_step *st = current_step(p);
    if (!st) return;
    /* Drop the trailing newline and blank lines. */
    strbuf *b = &p->narration;
    while (b->len > 0 && (b->s[b->len - 1] == '\n' || b->s[b->len - 1] == ' ' ||
                          b->s[b->len - 1] == '\t'))
        b->len--;
    if (b->s) b->s[b->len] = '\0';
    st->narration = b->s ? b->s : span_dup(span_make("", 0));
    if (!st->narration) {
        out_of_memory(p, st->line);
        return;
    }
    b->s = NULL; /* the step owns it now */
    b->len = b->cap = 0;
    lesson_settle_step(p, st);
    p->has_step = false;
}

static void begin_step(parser *p, span title, size_t ln) {
    end_step(p);
    lesson *l = p->out;
    if (l->n_steps == LESSON_STEPS_MAX) {
        lesson_error(p, ln, "more than %d steps: split the lesson into two", LESSON_STEPS_MAX);
        p->stop = true;
        return;
    }
    if (l->n_steps == p->cap_steps) { /* grow by doubling, up to the limit */
        size_t cap = p->cap_steps ? p->cap_steps * 2 : 8;
        lesson_step *grown = realloc(l->steps, cap * sizeof *grown);
        if (!grown) {
            out_of_memory(p, ln);
            return;
        }
        l->steps = grown;
        p->cap_steps = cap;
    }
    lesson_step *st = &l->steps[l->n_steps++];
    memset(st, 0, sizeof *st);
    st->line = ln;
    st->title = span_dup(title);
    if (!st->title) {
        out_of_memory(p, ln);
        return;
    }
    if (title.len == 0) lesson_error(p, ln, "a step heading needs a title: '## Step title'");
    refuse_live_values(p, title, ln, "a step's title");

    p->has_step = true;
    p->narration_blank = false;
    p->n_nar_lines = 0;
    memset(p->seen_line, 0, sizeof p->seen_line);
    p->n_raw = 0;
    p->none_line = 0;
    p->n_new_tokens = 0;
    p->right_line = 0;
}

/* ---- blocks ------------------------------------------------------------------ */

static const char *const block_names[] = {"attnviz", "question", "predict"};

static void open_block(parser *p, bool question, bool predict, size_t ln) {
    const char *name = predict ? "predict" : question ? "question" : "attnviz";
    lesson_step *st = current_step(p);
    p->block_line = ln;
    p->mode = MODE_SKIP;
    if (!st) {
        lesson_error(p, ln, "a ```%s block before the first step: put it under a '## Step title' "
                     "heading", name);
    } else if (!question && !predict && st->block_line) {
        lesson_error(p, ln, "a second ```attnviz block in this step (the first is at line %zu): "
                     "a step has at most one", st->block_line);
    } else if (predict && st->predict.line) {
        lesson_error(p, ln, "a second ```predict block in this step (the first is at line %zu): "
                     "a step has at most one", st->predict.line);
    } else if ((predict && st->question.line) || (question && st->predict.line)) {
        lesson_error(p, ln, "a ```%s block in a step that has a ```%s (line %zu): a step asks "
                     "one thing, so give the other its own step", name,
                     predict ? "question" : "predict",
                     predict ? st->question.line : st->predict.line);
    } else if (predict) {
        st->predict.line = ln;
        p->predict_bad = 0;
        p->mode = MODE_PREDICT;
    } else if (question && st->question.line) {
        lesson_error(p, ln, "a second ```question block in this step (the first is at line %zu): "
                     "a step has at most one", st->question.line);
    } else if (question) {
        st->question.line = ln;
        p->mode = MODE_QUESTION;
    } else {
        st->block_line = ln;
        p->mode = MODE_ATTNVIZ;
    }
}

static void end_block(parser *p) {
    if (p->mode == MODE_QUESTION) lesson_question_end(p);
    if (p->mode == MODE_PREDICT) lesson_predict_end(p);
    p->mode = MODE_TOP;
}

static const char *mode_block_name(mode m) {
    switch (m) {
    case MODE_ATTNVIZ: return "```attnviz block";
    case MODE_QUESTION: return "```question block";
    case MODE_PREDICT: return "```predict block";
    case MODE_CODE: return "code block";
    default: return "block";
    }
}

/* ---- the line loop ------------------------------------------------------------ */

/* The summary is the first paragraph after the title: anything but more
 * text (a blank line, a heading, a block) ends it. */
static void end_summary(parser *p) {
    if (p->have_title) p->summary_state = 2;
}

/* A line outside any block. */
static void top_line(parser *p, span line, size_t ln) {
    span t = span_trim(line);
    if (t.len == 0) {
        if (p->summary_state == 1) end_summary(p);
        narration_line(p, line, ln);
        return;
    }
    /* Comments are invisible: they neither count as the first line nor end
     * the summary. */
    if (span_starts(t, "<!--")) {
        if (!span_has(span_after(t, 4), "-->")) {
            p->mode = MODE_COMMENT;
            p->block_line = ln;
        }
        return;
    }
    bool first = !p->seen_content;
    p->seen_content = true;

    char ch;
    size_t flen;
    span info;
    if (fence_open(line, &ch, &flen, &info)) {
        end_summary(p);
        p->fence_char = ch;
        p->fence_len = flen;
        p->block_line = ln;
        if (first) lesson_error(p, ln, "the lesson has no title: start the file with '# Title'");
        if (span_is(info, "attnviz") || span_is(info, "question") || span_is(info, "predict")) {
            open_block(p, span_is(info, "question"), span_is(info, "predict"), ln);
            return;
        }
        span lang = span_word(&info);
        const char *near = closest_name(lang, block_names, 3);
        if (near && lang.len > 0) {
            char b[SHOWN_LEN];
            lesson_error(p, ln, "unknown block '```%s' (did you mean '```%s'?)", shown(lang, b),
                         near);
        }
        p->mode = MODE_CODE; /* any other code block is part of the narration */
        narration_line(p, line, ln);
        return;
    }

    span title;
    int level = heading_level(line, &title);
    if (level == 1) {
        if (first) {
            p->have_title = true;
            p->title_line = ln;
            p->out->title = span_dup(title);
            if (!p->out->title) {
                out_of_memory(p, ln);
                return;
            }
            if (title.len == 0) lesson_error(p, ln, "the title is empty: write it after '# '");
            refuse_live_values(p, title, ln, "the title");
        } else if (p->have_title) {
            end_summary(p);
            lesson_error(p, ln, "a second title (the title is at line %zu): start a step with "
                         "'## ', not '# '", p->title_line);
        } else {
            lesson_error(p, ln, "the title must be the first line of the file");
        }
        return;
    }
    if (level == 2) {
        end_summary(p);
        if (first) lesson_error(p, ln, "the lesson has no title: start the file with '# Title'");
        begin_step(p, title, ln);
        return;
    }

    /* Text. */
    if (first) {
        lesson_error(p, ln, "the lesson has no title: start the file with '# Title'");
        return;
    }
    if (p->has_step) {
        narration_line(p, line, ln);
        return;
    }
    if (p->have_title && p->summary_state != 2) {
        /* The summary, kept as written (its lines trimmed, joined by newlines). */
        if (p->summary_state == 1 && !strbuf_add(&p->summary, "\n", 1)) {
            out_of_memory(p, ln);
            return;
        }
        if (!strbuf_add(&p->summary, t.s, t.len)) {
            out_of_memory(p, ln);
            return;
        }
        p->summary_state = 1;
        refuse_live_values(p, t, ln, "the summary");
        return;
    }
    refuse_live_values(p, t, ln, "the introduction before the first step");
}

static void handle_line(parser *p, span line, size_t ln) {
    switch (p->mode) {
    case MODE_COMMENT:
        if (span_has(line, "-->")) p->mode = MODE_TOP;
        return;
    case MODE_CODE:
        narration_line(p, line, ln);
        if (fence_close(p, line)) p->mode = MODE_TOP;
        return;
    case MODE_ATTNVIZ:
    case MODE_QUESTION:
    case MODE_PREDICT:
    case MODE_SKIP: {
        if (fence_close(p, line)) {
            end_block(p);
            return;
        }
        /* A heading inside a directive block: its ``` was forgotten. Say
         * so once, end the block, and read the heading as a heading. */
        span title;
        if (heading_level(line, &title) != 0) {
            lesson_error(p, p->block_line, "unterminated %s: close it with ``` before the "
                         "heading at line %zu", mode_block_name(p->mode), ln);
            end_block(p);
            break;
        }
        /* A shorter fence (``` in a ````attnviz block) does not close it. */
        char ch;
        size_t flen;
        span info;
        if (fence_open(line, &ch, &flen, &info) && info.len == 0) {
            lesson_error(p, ln, "this fence does not close the block opened at line %zu: close "
                         "it with %zu %s", p->block_line, p->fence_len,
                         p->fence_char == '~' ? "tildes" : "backticks");
            return;
        }
        if (p->mode == MODE_ATTNVIZ) lesson_directive_line(p, line, ln);
        else if (p->mode == MODE_QUESTION) lesson_question_line(p, line, ln);
        else if (p->mode == MODE_PREDICT) lesson_predict_line(p, line, ln);
        return;
    }
    case MODE_TOP:
        break;
    }
    top_line(p, line, ln);
}

/* The line of byte offset `at`, counting from 1. */
static size_t line_of(const char *text, size_t at) {
    size_t ln = 1;
    for (size_t i = 0; i < at; i++)
        if (text[i] == '\n') ln++;
    return ln;
}

static void parse(parser *p, const char *text, size_t len) {
    if (len > LESSON_FILE_MAX) {
        lesson_error(p, 1, "the file is larger than %zu bytes (1 MB): split the lesson",
                     LESSON_FILE_MAX);
        return;
    }
    if (len == 0) {
        lesson_error(p, 1, "the file is empty: a lesson starts with '# Title'");
        return;
    }
    const unsigned char *u = (const unsigned char *)text;
    size_t bad = attn_utf8_first_invalid(text, len);
    const unsigned char *nul = memchr(u, 0, bad);
    if (nul) {
        size_t at = (size_t)(nul - u);
        lesson_error(p, line_of(text, at), "a NUL byte at byte %zu: a lesson is a text file", at);
        return;
    }
    if (bad < len) {
        char bytes[32] = "";
        size_t used = 0;
        for (size_t k = 0; k < 4 && bad + k < len && used < sizeof bytes; k++)
            used += (size_t)snprintf(bytes + used, sizeof bytes - used, k ? " 0x%02X" : "0x%02X",
                                     (unsigned)u[bad + k]);
        lesson_error(p, line_of(text, bad),
                     "invalid UTF-8 at byte %zu (%s...): save the file as UTF-8", bad, bytes);
        return;
    }

    size_t i = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) i = 3; /* a byte-order mark */
    size_t ln = 0;
    while (i < len && !p->stop) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        span line = span_make(text + i, end - i);
        if (line.len > 0 && line.s[line.len - 1] == '\r') line.len--; /* CRLF */
        handle_line(p, line, ++ln);
        i = end + 1;
    }
    if (p->stop) return;

    switch (p->mode) {
    case MODE_COMMENT:
        lesson_error(p, p->block_line, "unterminated comment: '<!--' without '-->'");
        break;
    case MODE_CODE:
    case MODE_ATTNVIZ:
    case MODE_QUESTION:
    case MODE_PREDICT:
    case MODE_SKIP:
        lesson_error(p, p->block_line, "unterminated %s: close it with %.*s",
                     mode_block_name(p->mode), (int)(p->fence_len < 16 ? p->fence_len : 16),
                     p->fence_char == '~' ? "~~~~~~~~~~~~~~~~" : "````````````````");
        end_block(p);
        break;
    case MODE_TOP:
        break;
    }
    end_step(p);
    if (!p->seen_content)
        lesson_error(p, 1, "the file has no text: a lesson starts with '# Title'");
    else if (p->out->n_steps == 0)
        lesson_error(p, p->have_title ? p->title_line : 1,
                     "the lesson has no steps: start each step with '## Step title'");
}

/* ---- the public functions ---------------------------------------------------- */

void lesson_free(lesson *l) {
    if (!l) return;
    for (size_t s = 0; s < l->n_steps; s++) {
        lesson_step *st = &l->steps[s];
        free(st->title);
        free(st->narration);
        free(st->sentence);
        free(st->cross_sentence);
        free(st->question.ask);
        for (size_t c = 0; c < st->question.n_choices; c++) free(st->question.choices[c]);
        free(st->question.explain);
        free(st->predict.ask);
        free(st->predict.explain);
    }
    free(l->steps);
    free(l->title);
    free(l->summary);
    memset(l, 0, sizeof *l);
}

static void report_line(lesson_error_fn report, void *ctx, const char *file, size_t line,
                        const char *text) {
    char msg[LESSON_MESSAGE_LEN + 256];
    if (line) snprintf(msg, sizeof msg, "%s:%zu: %s", file, line, text);
    else snprintf(msg, sizeof msg, "%s: %s", file, text);
    if (report) report(ctx, msg);
}

attn_status lesson_parse_report(lesson *out, const char *text, size_t len, const char *filename,
                        const lesson_model_shape *trained, lesson_error_fn report, void *ctx) {
    const char *file = filename ? filename : "lesson";
    memset(out, 0, sizeof *out);
    parser *p = calloc(1, sizeof *p);
    if (!p) {
        report_line(report, ctx, file, 0, "out of memory while reading the lesson");
        return ATTN_ERR_NOMEM;
    }
    p->filename = file;
    p->trained = trained;
    p->out = out;
    p->current = lesson_settings_default();
    size_t n_tok = 0;
    /* The built-in sentence always tokenizes; its tokens start the carry. */
    attn_tokenize(p->tokens, LESSON_TOKENS_MAX, &n_tok, ATTN_EXAMPLE_SENTENCE,
                  strlen(ATTN_EXAMPLE_SENTENCE), NULL, 0);

    if (text || len == 0) parse(p, text ? text : "", len);
    else lesson_error(p, 1, "no text to read");

    if (!p->stop && p->n_errors == 0 && !out->summary) {
        out->summary = p->summary.s ? p->summary.s : span_dup(span_make("", 0));
        p->summary.s = NULL;
        if (!out->summary) out_of_memory(p, 1);
    }
    /* Left over when the parse stopped in the middle of a step. */
    strbuf_free(&p->narration);
    strbuf_free(&p->summary);
    free(p->nar_lines);

    /* Sorted by line; insertion sort keeps errors of one line in the order found. */
    for (size_t a = 1; a < p->n_errors; a++) {
        error_item e = p->errors[a];
        size_t b = a;
        for (; b > 0 && p->errors[b - 1].line > e.line; b--) p->errors[b] = p->errors[b - 1];
        p->errors[b] = e;
    }
    for (size_t a = 0; a < p->n_errors; a++)
        report_line(report, ctx, file, p->errors[a].line, p->errors[a].text);
    if (p->n_dropped) {
        char more[96];
        snprintf(more, sizeof more, "%zu more errors not shown: fix these first", p->n_dropped);
        report_line(report, ctx, file, 0, more);
    }
    attn_status rc = p->n_errors ? ATTN_ERR_INPUT : ATTN_OK;
    free(p);
    if (rc) lesson_free(out);
    return rc;
}

typedef struct first_error {
    char *err;
    size_t err_len;
    bool have;
} first_error;

static void keep_first(void *ctx, const char *error) {
    first_error *f = ctx;
    if (f->have) return;
    f->have = true;
    if (f->err && f->err_len) snprintf(f->err, f->err_len, "%s", error);
}

attn_status lesson_parse(lesson *out, const char *text, size_t len, const char *filename,
                 const lesson_model_shape *trained, char *err, size_t err_len) {
    first_error f = {err, err_len, false};
    if (err && err_len) err[0] = '\0';
    return lesson_parse_report(out, text, len, filename, trained, keep_first, &f);
}
