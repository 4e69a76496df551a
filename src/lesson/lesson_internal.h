/* Private to src/lesson: the parser's state and the small text helpers the
 * parser's files share. Not part of the public API (include/attnviz/lesson.h). */
#ifndef ATTNVIZ_LESSON_INTERNAL_H
#define ATTNVIZ_LESSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attnviz/lesson.h"
#include "attnviz/tokenize.h"

/* ---- text helpers (lesson_text.c) ------------------------------------------- */

/* A piece of the file's text: not NUL-terminated, never owned. */
typedef struct span {
    const char *s;
    size_t len;
} span;

span span_make(const char *s, size_t len);
span span_trim(span x);                           /* without ASCII whitespace at either end */
bool span_is(span x, const char *word);           /* equal to word, byte for byte */
bool span_starts(span x, const char *prefix);
bool span_has(span x, const char *needle);        /* needle occurs in x */
span span_after(span x, size_t n);                /* x without its first n bytes */
span span_word(span *rest);                       /* cuts the first space-separated word */
char *span_dup(span x);                           /* a malloc'd NUL-terminated copy, or NULL */

/* x for a message: at most about 40 bytes (cut at a code point, with "..."),
 * written into buf, which is returned. */
#define SHOWN_LEN 48
const char *shown(span x, char buf[SHOWN_LEN]);

/* The closest of names[0..n) to x (edit distance at most 2, and at most
 * half the longer of the two), or NULL: the "did you mean" of every message. */
const char *closest_name(span x, const char *const *names, size_t n);

/* A whole number: ASCII digits only, no sign, no spaces.
 * Returns 0 (in *out), -1 when it is not one, 1 when it is larger than max. */
int parse_whole(span x, uint64_t max, uint64_t *out);

/* A finite decimal number such as 0.5, 2 or -1 (digits, one optional dot,
 * an optional leading minus). Returns 0, or -1 when it is not one. */
int parse_real(span x, double *out);


/* Splits "key: value" at the first colon (both trimmed); false when there
 * is none. The line shape of every block. */
bool split_key(span line, span *key, span *value);

/* A growing NUL-terminated string. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

bool strbuf_add(strbuf *b, const char *s, size_t n); /* false when out of memory or past SIZE_MAX */
void strbuf_free(strbuf *b);

/* ---- the parser (lesson_parse.c) --------------------------------------------- */

#define LESSON_MESSAGE_LEN 320

typedef struct error_item {
    size_t line;
    char text[LESSON_MESSAGE_LEN];
} error_item;

/* What the line loop is inside of. */
typedef enum mode {
    MODE_TOP,      /* Markdown text, headings */
    MODE_COMMENT,  /* a <!-- comment --> over several lines */
    MODE_CODE,     /* a code block of the narration (``` or ~~~ with another info) */
    MODE_ATTNVIZ,  /* the step's ```attnviz block */
    MODE_QUESTION, /* the step's ```question block */
    MODE_PREDICT,  /* the step's ```predict block */
    MODE_SKIP,     /* a block that is refused (a second one, or before any step) */
} mode;

/* A highlight as written, resolved against the step's settings at its end
 * (the sentence may come later in the same block). Numbers count from 1. */
typedef struct raw_highlight {
    lesson_highlight_kind kind;
    uint64_t head, i, j;
    span word; /* "token WORD": the word; len 0 for "token N" */
    size_t line;
} raw_highlight;

typedef struct parser {
    const char *filename;
    const lesson_model_shape *trained; /* sizes of the model trained steps run on, or NULL */
    lesson *out;
    bool stop; /* a fatal error: read no further */

    error_item errors[LESSON_ERRORS_MAX]; /* in the order found; sorted at the end */
    size_t n_errors, n_dropped;

    /* The line loop. */
    mode mode;
    size_t block_line;   /* where the current block or comment opened */
    char fence_char;     /* '`' or '~' */
    size_t fence_len;    /* its length: the closing fence is at least as long */
    bool seen_content;   /* a non-blank line has been read (the title must be first) */
    bool have_title;
    size_t title_line;
    int summary_state;   /* 0 waiting for it, 1 inside it, 2 done */
    strbuf summary;

    /* The current step: out->steps[out->n_steps - 1] when has_step. */
    bool has_step;
    size_t cap_steps; /* room in out->steps */
    strbuf narration;
    bool narration_blank;  /* the last line added was blank */
    size_t *nar_lines;     /* file line of each line of the narration */
    size_t n_nar_lines, cap_nar_lines;

    /* The current step's blocks, as they are read. */
    size_t seen_line[LESSON_KEY_COUNT]; /* first line of each directive, even a bad one */
    raw_highlight raw[LESSON_HIGHLIGHTS_MAX];
    size_t n_raw;
    size_t none_line; /* "highlight: none", 0 if not given */
    attn_token new_tokens[LESSON_TOKENS_MAX]; /* the tokens of the block's sentence */
    size_t n_new_tokens;
    size_t right_line; /* the question's choice*, 0 until one is read */
    size_t predict_bad; /* a pick: or value: line with an error, 0: none */

    /* Carried from step to step. */
    lesson_settings current;
    attn_token tokens[LESSON_TOKENS_MAX]; /* of current.sentence */
    size_t head_line;                     /* where the head in focus was set; 0: default */
    attn_config mechanics_config;         /* restored when trained steps end */
    size_t layer_line, prune_line;        /* where layer and prune were set */
} parser;

/* Records an error at a line (kept up to LESSON_ERRORS_MAX, then counted). */
void lesson_error(parser *p, size_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

lesson_step *current_step(parser *p);

/* ---- blocks (lesson_block.c) --------------------------------------------------- */

/* One line inside the step's ```attnviz block. */
void lesson_directive_line(parser *p, span line, size_t ln);
/* One line inside the step's ```question block, and its end. */
void lesson_question_line(parser *p, span line, size_t ln);
void lesson_question_end(parser *p);

/* ---- predictions (lesson_predict.c) ------------------------------------------------ */

/* One line inside the step's ```predict block, its end, and its numbers
 * against the step's settings (at the end of the step). */
void lesson_predict_line(parser *p, span line, size_t ln);
void lesson_predict_end(parser *p);
void lesson_predict_settle(parser *p, lesson_step *st, const lesson_settings *s);

/* ---- settings (lesson_settings.c) ------------------------------------------------ */

/* The step's settings from the previous ones and its block, with every
 * inconsistency reported at the line that caused it; then the live values
 * of its narration and question, checked against them. */
void lesson_settle_step(parser *p, lesson_step *st);

#endif
