#!/usr/bin/env bash
# attnviz set-up: install the Debian packages that are missing, build, then run or test.
#
#   scripts/setup.sh run [ARGS...]   set up, build (Release) and open the app (`attnviz ARGS`)
#   scripts/setup.sh test            set up, build and run every test (ctest)
#   scripts/setup.sh sanitize        set up, build with ASan+UBSan (clang) and run every test
#   scripts/setup.sh nogui           build without SDL (-DATTNVIZ_GUI=OFF), run its tests, check it links no SDL
#   scripts/setup.sh fuzz [SECONDS]  build the libFuzzer targets and run each for SECONDS (default 20)
#   scripts/setup.sh deps [GROUP...] only install packages; groups: base, fuzz, gui, m32, torch,
#                                    bench
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
            *) echo "setup: unknown package group '$g' (base, fuzz, gui, m32, torch, bench)" >&2
               exit 2 ;;
        esac
    done
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
    deps)
        [ $# -eq 0 ] && set -- base
        deps "$@"
        ;;
    -h|--help|help)
        sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        ;;
    *)
        echo "setup: unknown command '$cmd' (run, test, sanitize, nogui, fuzz, deps)" >&2
        exit 2
        ;;
esac
