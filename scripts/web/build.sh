#!/usr/bin/env bash
# Builds attnviz for the browser into build-web/ and assembles the page in build-web/site/:
#   index.html, loader.js, attnviz.data (lessons, assets, the font; shared by both builds),
#   st/attnviz.{js,wasm} (single thread), mt/attnviz.{js,wasm,worker.js} (threads),
#   fonts/ (the bundled font's licence).
# Then the wasm32 unit tests (ctest -L fast under node) when asked: build.sh --test.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
jobs=${ATTNVIZ_JOBS:-2}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
stack=$("$root/scripts/web/deps.sh")
flags=$("$root/scripts/web/deps.sh" --flags)
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -r "$font" ] || { echo "web: $font is missing: apt-get install fonts-dejavu-core" >&2; exit 2; }
out=$root/build-web

# attnviz's own code is built with wasm's 128-bit vectors (every browser since 2023 has them):
# the matrix products' 8-float vectors (core/gemm.c) become two vector operations each
# instead of eight scalar ones. The libraries keep the stack's flags.
variant() { # variant st|mt FLAGS
    local v=$1 flags=$2 prefix=$stack/$1
    # a build made against another stack (other versions or flags) keeps that stack's paths
    # in CMake's cache: start it afresh
    if [ "$(cat "$out/$v.stack" 2>/dev/null)" != "$prefix" ]; then
        rm -rf "${out:?}/$v" "$out/$v.stack"
    fi
    PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig PKG_CONFIG_PATH='' \
    emcmake cmake -S "$root" -B "$out/$v" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DATTNVIZ_WERROR=ON -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_ROOT_PATH="$prefix" \
        -DCMAKE_C_FLAGS="$flags -msimd128" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
        -DATTNVIZ_WEB_FONT="$font" >"$out/$v.configure.log" 2>&1 ||
        { tail -n 30 "$out/$v.configure.log" >&2; exit 1; }
    echo "$prefix" >"$out/$v.stack"
    cmake --build "$out/$v" -j "$jobs" --target "${@:3}"
}

mkdir -p "$out"
variant st "$flags" attnviz
variant mt "-pthread $flags" attnviz
site=$out/site
rm -rf "$site"
mkdir -p "$site/st" "$site/mt" "$site/fonts"
cp "$root/scripts/web/index.html" "$root/scripts/web/loader.js" "$site/"
cp "$out/st/attnviz.js" "$out/st/attnviz.wasm" "$site/st/"
cp "$out/mt/attnviz.js" "$out/mt/attnviz.wasm" "$out/mt/attnviz.worker.js" "$site/mt/"
# Both builds preload the same files in the same order: one copy serves both.
cmp -s "$out/st/attnviz.data" "$out/mt/attnviz.data" ||
    { echo "web: the two builds' data files differ" >&2; exit 1; }
cp "$out/st/attnviz.data" "$site/"
cp /usr/share/doc/fonts-dejavu-core/copyright "$site/fonts/DejaVu-LICENSE.txt"
echo "web: the page is in $site" >&2

if [ "${1:-}" = --test ]; then
    cmake --build "$out/st" -j "$jobs" --target attnviz_web_tests
    ctest --test-dir "$out/st" -L fast --output-on-failure -j "$jobs"
fi
