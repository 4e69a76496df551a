#!/usr/bin/env bash
# Build the web dependency stack (SDL2, SDL2_ttf, SDL2_image, freetype, jansson, utf8proc)
# from Debian's source packages with emscripten, into a cache folder outside the checkout.
#
#   scripts/web/deps.sh          print the stack's folder, building it first when missing
#   scripts/web/deps.sh --flags  print the compiler flags both the stack and attnviz use
#
# Two stacks: st/ (single thread) and mt/ (-pthread): a threaded program cannot link
# libraries built without -pthread. The folder's name holds the source package versions,
# emcc's version and the flags, so a new Debian update, compiler or flag gets a new stack;
# an existing one is reused as it is. Needs `deb-src` for bookworm main (scripts/setup.sh web adds it).
set -euo pipefail

# Bulk memory: memcpy and memset become wasm's memory.copy and memory.fill. Without it
# every copy of 512 bytes or more (each row of a texture drawn) calls out to JavaScript.
flags="-mbulk-memory"
if [ "${1:-}" = --flags ]; then echo "$flags"; exit 0; fi

pkgs=(libsdl2 libsdl2-ttf libsdl2-image freetype jansson utf8proc)
jobs=${ATTNVIZ_JOBS:-2}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

versions=$(for p in "${pkgs[@]}"; do
               apt-cache showsrc "$p" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1
           done; emcc --version 2>/dev/null | head -n 1)
hash() { printf '%s' "$1" | sha256sum | cut -c1-12; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/attnviz-web
# the sources by their versions; the libraries also by the flags they are built with
stack=$cache/deps-$(hash "$versions
$flags")
if [ -f "$stack/done" ]; then echo "$stack"; exit 0; fi
echo "web deps: building the libraries into $stack (about 10 minutes on two cores)" >&2

src=$cache/src-$(hash "$versions")
mkdir -p "$src"
if [ ! -f "$src/fetched" ]; then
    (cd "$src" && apt-get source -qq "${pkgs[@]}" >&2)
    touch "$src/fetched"
fi
dir() { find "$src" -maxdepth 1 -type d -name "$1-[0-9]*" | head -n 1; }

cmake_lib() { # cmake_lib PREFIX FLAGS NAME SRCDIR [cmake args...]
    local prefix=$1 flags=$2 name=$3 dir=$4; shift 4
    local b="$prefix.build/$name"
    echo "web deps: $name ($(basename "$prefix"))" >&2
    rm -rf "$b"
    emcmake cmake -S "$dir" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_FIND_ROOT_PATH="$prefix" -DBUILD_SHARED_LIBS=OFF \
        -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" "$@" >"$b.log" 2>&1 ||
        { tail -n 40 "$b.log" >&2; exit 1; }
    cmake --build "$b" -j "$jobs" >>"$b.log" 2>&1 && cmake --install "$b" >>"$b.log" 2>&1 ||
        { tail -n 40 "$b.log" >&2; exit 1; }
}

stack() { # stack PREFIX FLAGS
    local p=$1 f=$2 threads=OFF
    case "$f" in *-pthread*) threads=ON ;; esac
    mkdir -p "$p.build"
    cmake_lib "$p" "$f" sdl2 "$(dir libsdl2)" -DSDL_SHARED=OFF -DSDL_STATIC=ON -DSDL_TEST=OFF \
        -DSDL_THREADS="$threads" -DSDL_PTHREADS="$threads" -DSDL_ATOMIC="$threads"
    cmake_lib "$p" "$f" freetype "$(dir freetype)" -DFT_DISABLE_ZLIB=ON -DFT_DISABLE_BZIP2=ON \
        -DFT_DISABLE_PNG=ON -DFT_DISABLE_HARFBUZZ=ON -DFT_DISABLE_BROTLI=ON
    cmake_lib "$p" "$f" sdl2_ttf "$(dir libsdl2-ttf)" -DSDL2TTF_VENDORED=OFF \
        -DSDL2TTF_HARFBUZZ=OFF -DSDL2TTF_SAMPLES=OFF
    # stb_image to read, the bundled miniz to write PNG: no libpng, no zlib.
    cmake_lib "$p" "$f" sdl2_image "$(dir libsdl2-image)" -DSDL2IMAGE_VENDORED=OFF \
        -DSDL2IMAGE_DEPS_SHARED=OFF -DSDL2IMAGE_SAMPLES=OFF -DSDL2IMAGE_BACKEND_STB=ON \
        -DSDL2IMAGE_AVIF=OFF -DSDL2IMAGE_JXL=OFF -DSDL2IMAGE_TIF=OFF -DSDL2IMAGE_WEBP=OFF \
        -DSDL2IMAGE_SVG=OFF -DSDL2IMAGE_XCF=OFF -DSDL2IMAGE_XPM=OFF -DSDL2IMAGE_LBM=OFF \
        -DSDL2IMAGE_PCX=OFF -DSDL2IMAGE_XV=OFF -DSDL2IMAGE_GIF=OFF -DSDL2IMAGE_PNM=OFF \
        -DSDL2IMAGE_QOI=OFF -DSDL2IMAGE_TGA=OFF -DSDL2IMAGE_JPG_SAVE=OFF
    # Its CMake config asks for libjpeg and libpng even with the stb backend, which needs
    # neither (2.6.3): ask only without it.
    sed -i 's/^if(SDL2IMAGE_\(JPG\|PNG\) AND NOT SDL2IMAGE_VENDORED/& AND NOT SDL2IMAGE_BACKEND_STB/' \
        "$p/lib/cmake/SDL2_image/SDL2_imageConfig.cmake"
    # Static builds name their targets SDL2_ttf::SDL2_ttf-static: give them the usual names.
    local lib
    for lib in SDL2_ttf SDL2_image; do
        printf 'if(TARGET %s::%s-static AND NOT TARGET %s::%s)\n  add_library(%s::%s INTERFACE IMPORTED)\n  set_target_properties(%s::%s PROPERTIES INTERFACE_LINK_LIBRARIES %s::%s-static)\nendif()\n' \
            $lib $lib $lib $lib $lib $lib $lib $lib $lib $lib >>"$p/lib/cmake/$lib/${lib}Config.cmake"
    done
    cmake_lib "$p" "$f" jansson "$(dir jansson)" -DJANSSON_BUILD_DOCS=OFF \
        -DJANSSON_EXAMPLES=OFF -DJANSSON_WITHOUT_TESTS=ON -DUSE_URANDOM=OFF
    cmake_lib "$p" "$f" utf8proc "$(dir utf8proc)" -DUTF8PROC_ENABLE_TESTING=OFF
    # cglm is header-only: Debian's headers (libcglm-dev) and a pkg-config file for them.
    mkdir -p "$p/include" "$p/lib/pkgconfig"
    cp -r /usr/include/cglm "$p/include/"
    printf 'prefix=%s\nincludedir=${prefix}/include\n\nName: cglm\nDescription: cglm headers\nVersion: %s\nCflags: -I${includedir}\nLibs:\n' \
        "$p" "$(dpkg-query -W -f='${Version}' libcglm-dev)" >"$p/lib/pkgconfig/cglm.pc"
    rm -rf "$p.build"
}


# Each stack is built under a temporary name and renamed when whole, so an interrupted
# build never looks done; the two build side by side, one job each.
one() { # one st|mt FLAGS
    local v=$1 tmp=$stack/$1.tmp
    [ -d "$stack/$v" ] && return 0
    rm -rf "$tmp" "$tmp.build"
    stack "$tmp" "$2"
    # the prefix is written into the installed CMake and pkg-config files
    grep -rl "$tmp" "$tmp" | xargs -r sed -i "s#$tmp#$stack/$v#g"
    mv "$tmp" "$stack/$v"
}
mkdir -p "$stack"
jobs=1
pids=()
for v in ${ATTNVIZ_WEB_STACKS:-st mt}; do
    case $v in st) one st "$flags" & ;; mt) one mt "-pthread $flags" & ;; esac
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
# ATTNVIZ_WEB_STACKS=st (or mt) builds one alone
[ -d "$stack/st" ] && [ -d "$stack/mt" ] || { [ -n "${ATTNVIZ_WEB_STACKS:-}" ]; exit; }
touch "$stack/done"
echo "$stack"
