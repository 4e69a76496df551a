/* The browser's side of the window (emscripten only; empty elsewhere).
 *
 * The page (scripts/web/loader.js) copies a file the user picks or drops
 * into the program's file system and calls app_web_open with its path: the
 * file then arrives as a drop on the window does on the desktop
 * (open_file.c), checked by the same code. Everything else the page needs
 * (arguments from the URL, the data folder, S's PNG as a download) goes
 * through main's arguments, the environment and the file system. */
#ifdef __EMSCRIPTEN__
#include <SDL.h>
#include <emscripten.h>

EMSCRIPTEN_KEEPALIVE int app_web_open(const char *path) {
    SDL_Event ev;
    SDL_zero(ev);
    ev.type = SDL_DROPFILE;
    ev.drop.file = SDL_strdup(path); /* freed by the window's handler */
    ev.drop.windowID = 0;
    if (!ev.drop.file) return -1;
    if (SDL_PushEvent(&ev) != 1) {
        SDL_free(ev.drop.file);
        return -1;
    }
    return 0;
}
#else
typedef int platform_web_unused; /* ISO C wants something in a file */
#endif
