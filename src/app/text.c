/* Fonts and the string cache. */
#define _POSIX_C_SOURCE 200809L
#include "text.h"
#include "paths.h"

#include <SDL_ttf.h>
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    CACHE_SLOTS = 4096, /* a power of two; cleared when three quarters full */
    FONT_SIZES = 24,    /* open sizes kept */
    TEXT_MAX = 512,     /* longest string drawn, in bytes */
};

/* A string at a size, rendered in one colour: opaque colours are rendered in
 * their own colour, so drawing is a plain blend that skips the transparent
 * pixels (SDL's fast path); a translucent colour tints the white rendering
 * (a slower blend that multiplies every pixel). The hash leaves the colour
 * out: a string's renderings in several colours sit on one probe chain. */
typedef struct entry {
    char *text; /* NULL: empty slot */
    uint64_t hash;
    int px, w, h;
    uint32_t rgb;         /* 0xRRGGBB it was rendered in (WHITE: tinted when drawn) */
    SDL_Texture *texture; /* NULL for text that renders to nothing */
} entry;

enum { WHITE = 0xFFFFFF };

typedef struct sized_font {
    int px;
    TTF_Font *font;
} sized_font;

struct text_cache {
    SDL_Renderer *renderer;
    char *font_path;
    /* The font file, read once: every size opens from memory (in the browser
     * each read and seek of a file is a call out to JavaScript). */
    unsigned char *font_data;
    size_t font_len;
    sized_font fonts[FONT_SIZES];
    size_t n_fonts, next_font; /* round-robin replacement */
    entry slots[CACHE_SLOTS];
    size_t used, renders;
    layout_record *record; /* NULL but when a frame's layout is asked for */
    int min_px;            /* the smallest type drawn or measured (0: 4 px) */
};

static int readable(const char *path) { return *path && access(path, R_OK) == 0; }

/* The first .ttf/.otf file in dir. */
static int font_in_dir(const char *dir, char *path, size_t path_len) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 4 && (strcmp(e->d_name + len - 4, ".ttf") == 0 ||
                        strcmp(e->d_name + len - 4, ".otf") == 0)) {
            snprintf(path, path_len, "%s/%s", dir, e->d_name);
            found = readable(path);
        }
    }
    closedir(d);
    return found;
}

/* The browser has no fontconfig: the page bundles its font in assets/fonts/. */
#ifndef __EMSCRIPTEN__
#include <fontconfig/fontconfig.h>

static int fontconfig_match(const char *family, char *path, size_t path_len) {
    if (!FcInit()) return 0;
    FcPattern *pat = FcNameParse((const FcChar8 *)family);
    int found = 0;
    if (pat) {
        FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
        FcConfigSubstitute(NULL, pat, FcMatchPattern);
        FcDefaultSubstitute(pat);
        FcResult result;
        FcPattern *match = FcFontMatch(NULL, pat, &result);
        FcChar8 *file = NULL;
        if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
            readable((const char *)file)) {
            snprintf(path, path_len, "%s", (const char *)file);
            found = 1;
        }
        if (match) FcPatternDestroy(match);
        FcPatternDestroy(pat);
    }
    return found;
}
#else
static int fontconfig_match(const char *family, char *path, size_t path_len) {
    (void)family, (void)path, (void)path_len;
    return 0;
}
static void FcFini(void) {}
#endif

attn_status text_find_font(char *path, size_t path_len, char *err, size_t err_len) {
    const char *env = getenv("ATTNVIZ_FONT");
    if (env && *env) {
        if (readable(env)) {
            snprintf(path, path_len, "%s", env);
            return ATTN_OK;
        }
        snprintf(err, err_len, "ATTNVIZ_FONT=%s cannot be read: point it at a .ttf file", env);
        return ATTN_ERR_IO;
    }
    char fonts[STATE_PATH_MAX]; /* attnviz ships none: usually absent, no fault */
    if (state_fonts_dir(fonts, sizeof fonts, NULL, 0) == 0 && font_in_dir(fonts, path, path_len))
        return ATTN_OK;
    int found = fontconfig_match("DejaVu Sans", path, path_len) ||
                fontconfig_match("sans-serif", path, path_len);
    FcFini(); /* the path is all we need; free fontconfig's caches */
    if (found) return ATTN_OK;
    snprintf(err, err_len,
             "no font found: install one with 'sudo apt-get install fonts-dejavu-core', "
             "or set ATTNVIZ_FONT=/path/to/font.ttf");
    return ATTN_ERR_IO;
}

/* The whole file at path, or NULL (errno set). */
static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size > 0 && size <= INT_MAX && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)size);
        if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    if (buf) *len = (size_t)size;
    return buf;
}

TTF_Font *text_open_font(text_cache *tc, int px) {
    SDL_RWops *rw = SDL_RWFromConstMem(tc->font_data, (int)tc->font_len);
    return rw ? TTF_OpenFontRW(rw, 1, px) : NULL;
}

text_cache *text_cache_create(SDL_Renderer *r, const char *font_path, char *err, size_t err_len) {
    text_cache *tc = calloc(1, sizeof *tc);
    if (!tc) {
        snprintf(err, err_len, "out of memory for the text cache");
        return NULL;
    }
    tc->renderer = r;
    tc->font_path = strdup(font_path);
    tc->font_data = read_all(font_path, &tc->font_len);
    /* Open one size now, so a bad font file is reported at start. */
    TTF_Font *probe = tc->font_data ? text_open_font(tc, 16) : NULL;
    if (!probe || !tc->font_path) {
        snprintf(err, err_len, "cannot open the font %s: %s; install fonts-dejavu-core or set "
                 "ATTNVIZ_FONT", font_path, tc->font_data ? TTF_GetError() : "cannot read it");
        free(tc->font_data);
        free(tc->font_path);
        free(tc);
        return NULL;
    }
    tc->fonts[0] = (sized_font){16, probe};
    tc->n_fonts = 1;
    return tc;
}

static void clear_slots(text_cache *tc) {
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        entry *e = &tc->slots[i];
        if (e->text) {
            free(e->text);
            if (e->texture) SDL_DestroyTexture(e->texture);
        }
        memset(e, 0, sizeof *e);
    }
    tc->used = 0;
}

void text_cache_destroy(text_cache *tc) {
    if (!tc) return;
    clear_slots(tc);
    for (size_t i = 0; i < tc->n_fonts; i++) TTF_CloseFont(tc->fonts[i].font);
    free(tc->font_data); /* after the fonts that read it */
    free(tc->font_path);
    free(tc);
}

size_t text_cache_renders(const text_cache *tc) { return tc->renders; }

void text_cache_set_record(text_cache *tc, layout_record *rec) { tc->record = rec; }

void text_cache_note_cut(text_cache *tc, const char *s) {
    if (tc->record) layout_cut(tc->record, s);
}

size_t text_cache_count(const text_cache *tc, const char *prefix, const char *part) {
    size_t count = 0, n = strlen(prefix);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        const char *t = tc->slots[i].text;
        if (t && strncmp(t, prefix, n) == 0 && (!part || strstr(t, part))) count++;
    }
    return count;
}

static TTF_Font *font_at(text_cache *tc, int px) {
    for (size_t i = 0; i < tc->n_fonts; i++)
        if (tc->fonts[i].px == px) return tc->fonts[i].font;
    TTF_Font *f = text_open_font(tc, px);
    if (!f) return NULL;
    size_t slot = tc->n_fonts;
    if (slot == FONT_SIZES) { /* replace round-robin; its strings stay valid */
        slot = tc->next_font;
        tc->next_font = (tc->next_font + 1) % FONT_SIZES;
        TTF_CloseFont(tc->fonts[slot].font);
    } else {
        tc->n_fonts++;
    }
    tc->fonts[slot] = (sized_font){px, f};
    return f;
}

static uint64_t hash_text(const char *s, size_t len, int px) {
    uint64_t h = 0xCBF29CE484222325ull ^ (uint64_t)px;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001B3ull;
    }
    return h;
}

/* The next code point of UTF-8 text s[*i..len), or -1 (and one byte) when
 * the bytes are not UTF-8. */
static long next_code_point(const unsigned char *s, size_t len, size_t *i) {
    unsigned char c = s[*i];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || *i + n > len) return (*i)++, -1;
    long cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) return (*i)++, -1;
        cp = cp << 6 | (s[*i + k] & 0x3F);
    }
    *i += n;
    return cp;
}

/* s as drawn: a character the font has no glyph for (an emoji in DejaVu
 * Sans, say) is written as its code point, "U+1F600", instead of an empty
 * box that tells the class nothing. NULL when every glyph is there. */
static char *with_missing_glyphs_named(TTF_Font *font, const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    size_t missing = 0;
    for (size_t i = 0; i < len;) {
        long cp = next_code_point(u, len, &i);
        if (cp >= 0x20 && !TTF_GlyphIsProvided32(font, (Uint32)cp)) missing++;
    }
    if (missing == 0) return NULL;
    char *out = malloc(len + missing * 8 + 1); /* "U+10FFFF" is 8 bytes */
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t start = i;
        long cp = next_code_point(u, len, &i);
        if (cp >= 0x20 && !TTF_GlyphIsProvided32(font, (Uint32)cp)) {
            o += (size_t)sprintf(out + o, "U+%04lX", (unsigned long)cp);
        } else {
            memcpy(out + o, s + start, i - start);
            o += i - start;
        }
    }
    out[o] = '\0';
    return out;
}

/* The cached rendering of s at px in colour rgb, made on first use; any
 * colour's (ANY) will do for a size. */
enum { ANY = -1 };
static const entry *lookup(text_cache *tc, const char *s, size_t len, int px, long rgb) {
    if (len > TEXT_MAX) len = TEXT_MAX;
    if (px < tc->min_px) px = tc->min_px;
    if (px < 4) px = 4;
    if (px > 400) px = 400;
    uint64_t h = hash_text(s, len, px);
    size_t i = (size_t)h & (CACHE_SLOTS - 1);
    for (;; i = (i + 1) & (CACHE_SLOTS - 1)) {
        entry *e = &tc->slots[i];
        if (!e->text) break;
        if (e->hash == h && e->px == px && (rgb == ANY || e->rgb == (uint32_t)rgb) &&
            strncmp(e->text, s, len) == 0 && e->text[len] == '\0')
            return e;
    }
    if (rgb == ANY) rgb = WHITE;
    if (tc->used >= CACHE_SLOTS * 3 / 4) { /* full: start again (rare) */
        clear_slots(tc);
        i = (size_t)h & (CACHE_SLOTS - 1);
    }
    entry *e = &tc->slots[i];
    e->text = malloc(len + 1);
    if (!e->text) return NULL;
    memcpy(e->text, s, len);
    e->text[len] = '\0';
    e->hash = h;
    e->px = px;
    e->rgb = (uint32_t)rgb;
    tc->used++;
    tc->renders++;
    TTF_Font *font = font_at(tc, px);
    char *shown = font ? with_missing_glyphs_named(font, e->text, len) : NULL;
    SDL_Color fg = {(Uint8)(rgb >> 16), (Uint8)(rgb >> 8), (Uint8)rgb, 255};
    SDL_Surface *surf = font && len ? TTF_RenderUTF8_Blended(font, shown ? shown : e->text, fg)
                                    : NULL;
    free(shown);
    if (surf) {
        e->w = surf->w;
        e->h = surf->h;
        e->texture = SDL_CreateTextureFromSurface(tc->renderer, surf);
        SDL_FreeSurface(surf);
    } else if (font) {
        e->h = TTF_FontHeight(font);
    }
    return e;
}

void text_measure(text_cache *tc, const char *s, int px, int *w, int *h) {
    const entry *e = lookup(tc, s, strlen(s), px, ANY);
    if (w) *w = e ? e->w : 0;
    if (h) *h = e ? e->h : 0;
}

/* The rendering to draw s in color with: its own for an opaque colour, else
 * the white one, tinted. The white one is tinted for every draw, opaque white
 * included (no tint then), as the render queue reads the tint when drawn. */
static const entry *lookup_drawn(text_cache *tc, const char *s, size_t len, int px,
                                 SDL_Color color) {
    long rgb = color.a == 255 ? (long)color.r << 16 | (long)color.g << 8 | color.b : WHITE;
    const entry *e = lookup(tc, s, len, px, rgb);
    if (e && e->texture && e->rgb == WHITE) {
        SDL_SetTextureColorMod(e->texture, color.r, color.g, color.b);
        SDL_SetTextureAlphaMod(e->texture, color.a);
    }
    return e;
}

int text_draw_n(text_cache *tc, const char *s, size_t len, int px, SDL_Color color, int x, int y,
                int align) {
    const entry *e = lookup_drawn(tc, s, len, px, color);
    if (!e || !e->texture) return 0;
    SDL_Rect dst = {x, y, e->w, e->h};
    if ((align & 3) == TEXT_CENTER) dst.x -= e->w / 2;
    if ((align & 3) == TEXT_RIGHT) dst.x -= e->w;
    if (align & TEXT_MIDDLE) dst.y -= e->h / 2;
    if (tc->record) layout_text(tc->record, e->text, strlen(e->text), e->px, dst);
    SDL_RenderCopy(tc->renderer, e->texture, NULL, &dst);
    return e->w;
}

int text_draw_up(text_cache *tc, const char *s, int px, SDL_Color color, int x, int y_bottom) {
    const entry *e = lookup_drawn(tc, s, strlen(s), px, color);
    if (!e || !e->texture) return 0;
    /* turned about its centre, a w×h texture fills an h×w box with the same
     * centre: put that centre half the length above y_bottom */
    SDL_Rect dst = {x - e->w / 2, y_bottom - e->w / 2 - e->h / 2, e->w, e->h};
    if (tc->record) /* the box it fills once turned: h wide, w high */
        layout_text(tc->record, e->text, strlen(e->text), e->px,
                    (SDL_Rect){x - e->h / 2, y_bottom - e->w, e->h, e->w});
    SDL_RenderCopyEx(tc->renderer, e->texture, NULL, &dst, -90.0, NULL, SDL_FLIP_NONE);
    return e->w;
}

void text_cache_set_min_px(text_cache *tc, int px) { tc->min_px = px > 0 ? px : 0; }

int text_cache_min_px(const text_cache *tc) { return tc->min_px; }

int text_draw(text_cache *tc, const char *s, int px, SDL_Color color, int x, int y, int align) {
    return text_draw_n(tc, s, strlen(s), px, color, x, y, align);
}
