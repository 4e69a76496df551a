/* picture_probe: what the window tests (tests/xvfb_harness.sh) ask of a
 * screenshot, answered by one small process: a PNG decode and a loop, where
 * an ImageMagick run takes ten times as long on a busy machine.
 *
 *   picture_probe diff A.png B.png [WxH+X+Y]   pixels of the region where A and B differ
 *                                             by more than 5 (of 255) in some channel
 *   picture_probe count F.png WxH+X+Y R,G,B    pixels of the region within 8 of that colour
 *                                             in every channel
 *   picture_probe mean F.png WxH+X+Y           the region's mean brightness, 0 to 1
 *                                             (Rec. 709 luma, as ImageMagick's gray)
 *   picture_probe pixel F.png X Y              the colour there, "R,G,B"
 *   picture_probe size F.png                   "W H"
 *
 * The answer goes to stdout with status 0. A file that cannot be read, or a
 * region that is not inside the picture, is status 2 with a one-line
 * message. For diff, a region that is inside one picture but not the other
 * (they differ in size) counts every pixel the smaller one lacks. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Linked with libpng alone (not SDL_image and its sixty libraries): the
 * harness runs this many times, and the start-up is most of the cost. */
typedef struct picture {
    int w, h;
    unsigned char *rgba; /* w·h·4 bytes, row after row; the alpha is not looked at */
} picture;

typedef struct rect {
    int x, y, w, h;
} rect;

static int load(picture *p, const char *path) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    p->rgba = NULL;
    if (png_image_begin_read_from_file(&image, path)) {
        /* RGBA keeps the colours as stored: asked for RGB, libpng would
         * blend a not quite opaque pixel (render's files have some) with
         * black, where the window shows the colour itself */
        image.format = PNG_FORMAT_RGBA;
        p->w = (int)image.width;
        p->h = (int)image.height;
        p->rgba = malloc(PNG_IMAGE_SIZE(image));
        if (p->rgba && png_image_finish_read(&image, NULL, p->rgba, 0, NULL)) return 0;
    }
    fprintf(stderr, "picture_probe: cannot read %s: %s\n", path,
            image.message[0] ? image.message : "out of memory");
    png_image_free(&image);
    free(p->rgba);
    return 2;
}

static const unsigned char *at(const picture *p, int x, int y) {
    return p->rgba + ((size_t)y * (size_t)p->w + (size_t)x) * 4;
}

/* "WxH+X+Y" */
static int parse_region(const char *text, rect *r) {
    char tail;
    if (sscanf(text, "%dx%d+%d+%d%c", &r->w, &r->h, &r->x, &r->y, &tail) != 4 || r->w <= 0 ||
        r->h <= 0 || r->x < 0 || r->y < 0) {
        fprintf(stderr, "picture_probe: '%s' is not a region WxH+X+Y\n", text);
        return 2;
    }
    return 0;
}

static int inside(const picture *p, rect r, const char *path) {
    if (r.x + r.w > p->w || r.y + r.h > p->h) {
        fprintf(stderr, "picture_probe: %dx%d+%d+%d is not inside %s (%dx%d)\n", r.w, r.h, r.x,
                r.y, path, p->w, p->h);
        return 2;
    }
    return 0;
}

static int diff(int argc, char **argv) {
    picture a, b;
    if (load(&a, argv[2])) return 2;
    if (load(&b, argv[3])) {
        free(a.rgba);
        return 2;
    }
    int w = a.w > b.w ? a.w : b.w, h = a.h > b.h ? a.h : b.h;
    rect r = {0, 0, w, h};
    if (argc > 4 && parse_region(argv[4], &r)) {
        free(a.rgba);
        free(b.rgba);
        return 2;
    }
    long count = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            if (x >= a.w || y >= a.h || x >= b.w || y >= b.h) {
                count += (x < w && y < h); /* in one picture only */
                continue;
            }
            const unsigned char *p = at(&a, x, y), *q = at(&b, x, y);
            for (int c = 0; c < 3; c++)
                if (abs(p[c] - q[c]) > 5) {
                    count++;
                    break;
                }
        }
    printf("%ld\n", count);
    free(a.rgba);
    free(b.rgba);
    return 0;
}

static int count(char **argv) {
    picture p;
    rect r;
    int want[3];
    char tail;
    if (sscanf(argv[4], "%d,%d,%d%c", &want[0], &want[1], &want[2], &tail) != 3) {
        fprintf(stderr, "picture_probe: '%s' is not a colour R,G,B\n", argv[4]);
        return 2;
    }
    if (parse_region(argv[3], &r) || load(&p, argv[2])) return 2;
    if (inside(&p, r, argv[2])) {
        free(p.rgba);
        return 2;
    }
    long n = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            const unsigned char *c = at(&p, x, y);
            n += abs(c[0] - want[0]) <= 8 && abs(c[1] - want[1]) <= 8 && abs(c[2] - want[2]) <= 8;
        }
    printf("%ld\n", n);
    free(p.rgba);
    return 0;
}

static int mean(char **argv) {
    picture p;
    rect r;
    if (parse_region(argv[3], &r) || load(&p, argv[2])) return 2;
    if (inside(&p, r, argv[2])) {
        free(p.rgba);
        return 2;
    }
    double sum = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            const unsigned char *c = at(&p, x, y);
            sum += (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255.0;
        }
    printf("%.4f\n", sum / ((double)r.w * r.h));
    free(p.rgba);
    return 0;
}

static int pixel(char **argv) {
    picture p;
    rect r = {atoi(argv[3]), atoi(argv[4]), 1, 1};
    if (load(&p, argv[2])) return 2;
    if (inside(&p, r, argv[2])) {
        free(p.rgba);
        return 2;
    }
    const unsigned char *c = at(&p, r.x, r.y);
    printf("%d,%d,%d\n", c[0], c[1], c[2]);
    free(p.rgba);
    return 0;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";
    picture p;
    if (strcmp(cmd, "diff") == 0 && (argc == 4 || argc == 5)) return diff(argc, argv);
    if (strcmp(cmd, "count") == 0 && argc == 5) return count(argv);
    if (strcmp(cmd, "mean") == 0 && argc == 4) return mean(argv);
    if (strcmp(cmd, "pixel") == 0 && argc == 5) return pixel(argv);
    if (strcmp(cmd, "size") == 0 && argc == 3) {
        if (load(&p, argv[2])) return 2;
        printf("%d %d\n", p.w, p.h);
        free(p.rgba);
        return 0;
    }
    fprintf(stderr, "usage: picture_probe diff|count|mean|pixel|size FILE... (see its source)\n");
    return 2;
}
