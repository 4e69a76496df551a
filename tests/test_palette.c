/* The head colours (theme.c): every pair apart by a CIE76 ΔE of at least
 * 25, and every colour at least 30 from each theme's background and panel,
 * so that 16 heads stay told apart on either theme. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "theme.h"

typedef struct { double l, a, b; } lab;

static double linear(int v) {
    double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double f(double t) { return t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0; }

/* sRGB to CIE L*a*b* under D65. */
static lab to_lab(SDL_Color c) {
    double r = linear(c.r), g = linear(c.g), b = linear(c.b);
    double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    return (lab){116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))};
}

static double delta_e(SDL_Color p, SDL_Color q) {
    lab a = to_lab(p), b = to_lab(q);
    return sqrt((a.l - b.l) * (a.l - b.l) + (a.a - b.a) * (a.a - b.a) + (a.b - b.b) * (a.b - b.b));
}

int main(void) {
    const theme *themes[] = {theme_dark(), theme_light()};
    for (int t = 0; t < 2; t++) {
        const theme *th = themes[t];
        for (size_t i = 0; i < THEME_HEAD_COLORS; i++) {
            SDL_Color ci = theme_head_color(th, i);
            CHECKF(delta_e(ci, th->background) >= 30.0 && delta_e(ci, th->panel) >= 30.0,
                   "%s theme: head %zu is too near the background (ΔE %.1f)", th->name, i + 1,
                   delta_e(ci, th->background));
            for (size_t j = i + 1; j < THEME_HEAD_COLORS; j++)
                CHECKF(delta_e(ci, theme_head_color(th, j)) >= 25.0,
                       "%s theme: heads %zu and %zu are too alike (ΔE %.1f)", th->name, i + 1,
                       j + 1, delta_e(ci, theme_head_color(th, j)));
        }
    }
    return check_done("test_palette");
}
