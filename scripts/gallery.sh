#!/bin/sh
# Makes docs/gallery/*.png, the pictures at the top of the README, from
# `attnviz render` and `attnviz lesson render`: each of the ten stages on
# the trained model (stage 7 is the start the app opens on), presenter mode at 1920x1080, the
# model overview, a lesson step, the light theme and the arcs view.
#
#   scripts/gallery.sh [ATTNVIZ]          render into docs/gallery/
#   scripts/gallery.sh --check [ATTNVIZ]  render into a temporary folder and
#                                         fail when a render fails or when
#                                         docs/gallery/ lacks one of them (or
#                                         holds a PNG the list no longer makes)
#
# ATTNVIZ is the program (default: build/attnviz). The pictures are compared
# by name only: they change whenever the drawing does, and are regenerated
# by running this script again.
set -eu
LC_ALL=C # ls and comm sort alike
export LC_ALL

root=$(cd "$(dirname "$0")/.." && pwd)
gallery="$root/docs/gallery"
check=0
if [ "${1:-}" = "--check" ]; then
    check=1
    shift
fi
attnviz=${1:-"$root/build/attnviz"}
case $attnviz in /*) ;; *) attnviz="$PWD/$attnviz" ;; esac
if [ ! -x "$attnviz" ]; then
    echo "gallery: $attnviz is not a program: build it first (cmake --build build)" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
out="$work/gallery"
mkdir -p "$out"
# offscreen rendering needs no display (BUILD-NOTES: dummy avoids XDG warnings)
SDL_VIDEODRIVER=dummy
export SDL_VIDEODRIVER

# shot NAME ARGS...: one frame of `attnviz render ARGS...` as NAME.png
shot() {
    name=$1
    shift
    "$attnviz" render "$@" --out "$out/$name.png" >/dev/null
}

# The list of pictures. Stage 7 on the trained model is the start the app
# and render open on; the README shows it, the overview and the lesson first.
n=1
for stage in embed project split scores scale mask softmax weighted concat output; do
    shot "stage-$(printf %02d $n)-$stage" --stage $n
    n=$((n + 1))
done
shot present-1920x1080 --stage 7 --present --size 1920x1080
shot overview --view model
shot light-focus --stage 4 --view focus --head 4 --theme light
shot arcs --stage 7 --view arcs
# a lesson step: lesson 10's antecedent head, drawn with its narration panel
mkdir "$work/lesson"
"$attnviz" lesson render "$root/lessons/10-do-heads-specialise.md" --out "$work/lesson" >/dev/null
cp "$work/lesson/step-05.png" "$out/lesson-10-step-05.png"

if [ $check -eq 0 ]; then
    mkdir -p "$gallery"
    rm -f "$gallery"/*.png
    cp "$out"/*.png "$gallery/"
    ls "$gallery"/*.png
    du -ch "$gallery"/*.png | tail -n 1
    exit 0
fi

# --check: the same names, no more and no fewer
(cd "$out" && ls -1 *.png) >"$work/made"
if [ -d "$gallery" ]; then (cd "$gallery" && ls -1 *.png 2>/dev/null || true) >"$work/kept"
else : >"$work/kept"; fi
missing=$(comm -23 "$work/made" "$work/kept")
stale=$(comm -13 "$work/made" "$work/kept")
status=0
for f in $missing; do
    echo "gallery: docs/gallery/$f is missing: run scripts/gallery.sh" >&2
    status=1
done
for f in $stale; do
    echo "gallery: docs/gallery/$f is no longer made by scripts/gallery.sh: remove it" >&2
    status=1
done
# The pictures live in git: keep them small.
kb=$(du -ck "$gallery"/*.png 2>/dev/null | tail -n 1 | cut -f 1)
if [ "${kb:-0}" -gt 3072 ]; then
    echo "gallery: docs/gallery/ holds ${kb} KB of PNGs, more than 3 MB: render fewer or smaller" >&2
    status=1
fi
[ $status -eq 0 ] && echo "gallery: $(wc -l <"$work/made") pictures, all in docs/gallery/ (${kb} KB)"
exit $status
