#!/usr/bin/env bash
# attnviz set-up: install the Debian packages that are missing, build, then run or test.
#
#   scripts/setup.sh run [ARGS...]   set up, build (Release) and open the app (`attnviz ARGS`)
#   scripts/setup.sh test            set up, build and run every test (ctest)
#   scripts/setup.sh sanitize        set up, build with ASan+UBSan (clang) and run every test
#   scripts/setup.sh nogui           build without SDL (-DATTNVIZ_GUI=OFF), run its tests, check it links no SDL
#   scripts/setup.sh fuzz [SECONDS]  build the libFuzzer targets and run each for SECONDS (default 20)
#   scripts/setup.sh web [test|e2e|speed|serve [PORT]]
#                                    build the page (WebAssembly) into build-web/site from Debian's
#                                    source packages (cached in ~/.cache/attnviz-web); test: also
#                                    the wasm32 unit tests under node and the end-to-end test in
#                                    headless Chromium; speed: print the page's figures;
#                                    serve: serve the page on 127.0.0.1 and print the URL
#   scripts/setup.sh deps [GROUP...] only install packages; groups: base, fuzz, gui, m32, torch,
#                                    bench, web
#
# Packages are installed with apt-get, through sudo when not root, and only when missing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

pkgs_base=(build-essential cmake pkg-config libjansson-dev libutf8proc-dev
           libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libcglm-dev libfontconfig-dev
           fonts-dejavu-core)
# To drive the app in a virtual display in the end-to-end tests.
pkgs_gui=(xvfb xauth xdotool imagemagick libpng-dev jq)
# clang's sanitizer and libFuzzer runtimes live in libclang-rt-14-dev, which
# --no-install-recommends would leave out: name it.
pkgs_fuzz=(clang libclang-rt-14-dev)
# gcc -m32, for the test that builds the core with a 32-bit size_t (as in the
# browser); qemu-user runs it where the kernel has no 32-bit emulation.
pkgs_m32=(gcc-multilib qemu-user)
# Only to regenerate the PyTorch fixtures (tests/torch/); about 800 MB.
pkgs_torch=(python3-torch python3-numpy)
# Only for bench/numpy_attention.py, the NumPy side of `attnviz bench core`.
pkgs_bench=(python3-numpy libopenblas0-pthread)
# The page (scripts/web/): Debian's emscripten (node-acorn for its optimizer), the
# libraries' source packages built with it, Chromium and npm for the end-to-end test.
pkgs_web=(emscripten node-acorn ninja-build dpkg-dev libcglm-dev fonts-dejavu-core chromium
          python3)

missing() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
    done
}

install() {
    local need
    need=$(missing "$@")
    [ -z "$need" ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup: need root or sudo to install: $need" >&2; exit 2; }
        sudo=(sudo)
    fi
    echo "setup: installing $(echo $need | tr '\n' ' ')" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
}

deps() {
    local g
    for g in "$@"; do
        case "$g" in
            base)  install "${pkgs_base[@]}" ;;
            fuzz)  install "${pkgs_fuzz[@]}" ;;
            gui)   install "${pkgs_gui[@]}" ;;
            m32)   install "${pkgs_m32[@]}" ;;
            torch) install "${pkgs_torch[@]}" ;;
            bench) install "${pkgs_bench[@]}" ;;
            web)   web_sources; install "${pkgs_web[@]}"; web_npm ;;
            *) echo "setup: unknown package group '$g' (base, fuzz, gui, m32, torch, bench, web)" >&2
               exit 2 ;;
        esac
    done
}

# deb-src for bookworm main: `apt-get source` of the libraries the page is built from.
web_sources() {
    local f=/etc/apt/sources.list.d/attnviz-deb-src.sources
    grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && return 0
    grep -qs '^deb-src .*bookworm main' /etc/apt/sources.list && return 0
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    echo "setup: adding $f (Debian's source packages)" >&2
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
        "${sudo[@]}" tee "$f" >/dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
}

# puppeteer-core (drives Debian's chromium in the end-to-end test), into the cache folder.
web_npm() {
    local dir=${XDG_CACHE_HOME:-$HOME/.cache}/attnviz-web/npm
    [ -d "$dir/node_modules/puppeteer-core" ] && return 0
    command -v npm >/dev/null || install npm
    mkdir -p "$dir"
    echo "setup: npm install puppeteer-core into $dir" >&2
    (cd "$dir" && npm install --no-audit --no-fund --silent puppeteer-core@24 >/dev/null)
}

build() { # build DIR [cmake args...]
    local dir=$1; shift
    cmake -S "$root" -B "$root/$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
    cmake --build "$root/$dir" -j "$jobs"
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
case "$cmd" in
    run)
        deps base
        build build
        exec "$root/build/attnviz" "$@"
        ;;
    test)
        deps base fuzz gui m32
        build build -DATTNVIZ_WERROR=ON
        ctest --test-dir "$root/build" --output-on-failure -j "$jobs"
        ;;
    sanitize)
        deps base fuzz gui
        build build-san -DATTNVIZ_WERROR=ON -DATTNVIZ_SANITIZE=ON -DCMAKE_C_COMPILER=clang
        # the window tests' waits: the sanitizers make every frame slower
        XH_WAIT=90 ctest --test-dir "$root/build-san" --output-on-failure -j "$jobs"
        ;;
    nogui)
        deps base
        build build-nogui -DATTNVIZ_WERROR=ON -DATTNVIZ_GUI=OFF
        if ldd "$root/build-nogui/attnviz" | grep -qi sdl; then
            echo "setup: the build without the window links SDL:" >&2
            ldd "$root/build-nogui/attnviz" | grep -i sdl >&2
            exit 1
        fi
        ctest --test-dir "$root/build-nogui" --output-on-failure -j "$jobs"
        ;;
    fuzz)
        secs=${1:-20}
        deps base fuzz
        build build-fuzz -DATTNVIZ_FUZZ=ON -DCMAKE_C_COMPILER=clang
        for f in "$root"/build-fuzz/fuzz_*; do
            [ -x "$f" ] || continue
            name=$(basename "$f")
            corpus="$root/tests/fuzz/corpus/${name#fuzz_}"
            work=$(mktemp -d)
            cp -r "$corpus"/. "$work"/ 2>/dev/null || true
            log="$work.log"
            echo "setup: $name for ${secs}s" >&2
            # A crash is written to build-fuzz/crash-*; show the report and fail.
            if ! (cd "$root/build-fuzz" && "$f" -max_total_time="$secs" "$work" >"$log" 2>&1); then
                tail -n 60 "$log" >&2
                echo "setup: $name found a failure (input saved in build-fuzz/)" >&2
                rm -rf "$work" "$log"
                exit 1
            fi
            grep -E '^Done [0-9]+ runs' "$log" >&2 || tail -n 1 "$log" >&2
            rm -rf "$work" "$log"
        done
        ;;
    web)
        deps base web
        sub=${1:-build}
        [ $# -gt 0 ] && shift
        export ATTNVIZ_JOBS=$jobs NODE_PATH=/usr/share/nodejs
        export ATTNVIZ_NPM=${XDG_CACHE_HOME:-$HOME/.cache}/attnviz-web/npm/node_modules
        case "$sub" in
            build) "$root/scripts/web/build.sh" ;;
            test)  "$root/scripts/web/build.sh" --test
                   node "$root/scripts/web/e2e.js" "$root/build-web/site" ;;
            e2e)   "$root/scripts/web/build.sh"
                   node "$root/scripts/web/e2e.js" "$root/build-web/site" ;;
            speed) deps gui
                   "$root/scripts/web/build.sh"
                   build build -DATTNVIZ_WERROR=ON
                   node "$root/scripts/web/e2e.js" "$root/build-web/site" --speed "$root/build/attnviz" ;;
            serve) [ -f "$root/build-web/site/index.html" ] || "$root/scripts/web/build.sh"
                   exec python3 "$root/scripts/web/serve.py" "$root/build-web/site" "${1:-8080}" ;;
            *) echo "setup: unknown web command '$sub' (build, test, e2e, speed, serve)" >&2; exit 2 ;;
        esac
        ;;
    deps)
        [ $# -eq 0 ] && set -- base
        deps "$@"
        ;;
    -h|--help|help)
        sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        ;;
    *)
        echo "setup: unknown command '$cmd' (run, test, sanitize, nogui, fuzz, web, deps)" >&2
        exit 2
        ;;
esac
