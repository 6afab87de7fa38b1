#!/usr/bin/env bash
# Build ComfyDesk with PyInstaller in temporary folders and smoke-run the frozen app.
#
#   packaging/smoke.sh               build, run every check, delete the temporary folders
#   packaging/smoke.sh --keep        the same, but keep the build (its folder is printed)
#   packaging/smoke.sh --dist DIR    no build: check the dist folder of an earlier build
#
# Checks: --self-test (one ok line per dock in main_window.DOCK_SPECS), --version, no test-only
# package in the bundle, the profiles CLI, generate + profile against the fake ComfyUI
# (tests/fake_comfy, needs the `test` extra; skipped without aiohttp), and per OS the
# double-click side: Linux desktop entry (installed into a temporary home), the Windows windowed
# twin, the macOS bundle. Needs the `packaging` extra (PyInstaller) in .venv, or PYTHON=...
# Exits non-zero at the first failed check and then keeps the temporary folder for a look.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$(uname -s)" in
    Linux*) OS=linux ;;
    Darwin*) OS=macos ;;
    MINGW* | MSYS* | CYGWIN*) OS=windows ;;
    *) echo "unsupported OS: $(uname -s)" >&2; exit 2 ;;
esac
if [ "$OS" = windows ]; then PY=${PYTHON:-$ROOT/.venv/Scripts/python.exe}; else PY=${PYTHON:-$ROOT/.venv/bin/python}; fi

KEEP=0
DIST=""
while [ $# -gt 0 ]; do
    case "$1" in
        --keep) KEEP=1 ;;
        --dist) DIST=$(cd "${2:?--dist needs a folder}" && pwd); shift ;;
        -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/comfydesk-smoke.XXXXXX")
FAKE_PID=""
cleanup() {
    if [ -n "$FAKE_PID" ]; then
        kill -INT "$FAKE_PID" 2>/dev/null || true
        wait "$FAKE_PID" 2>/dev/null || true
    fi
    if [ "$KEEP" = 1 ]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

ok() { printf 'ok   %s\n' "$*"; }
skip() { printf 'skip %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; KEEP=1; exit 1; }
indent() { sed 's/^/       /'; }
# Ask the checkout (not the build) what to expect.
source_py() { (cd "$ROOT" && QT_QPA_PLATFORM=offscreen "$PY" -c "$1"); }

# --- build ----------------------------------------------------------------------------------
if [ -z "$DIST" ]; then
    start=$SECONDS
    "$PY" -m PyInstaller "$ROOT/packaging/comfydesk.spec" --noconfirm \
        --distpath "$WORK/dist" --workpath "$WORK/build" >"$WORK/build.log" 2>&1 \
        || { tail -n 30 "$WORK/build.log"; fail "build (full log: $WORK/build.log)"; }
    ok "built in $((SECONDS - start)) s ($("$PY" -m PyInstaller --version 2>/dev/null | tail -n 1)" \
       "on $OS, Python $("$PY" -c 'import platform; print(platform.python_version())'))"
    DIST=$WORK/dist
    # Libraries the build machine lacked are not bundled; the user's system must then have them
    # (libqgtk3's are moot: the spec drops that plugin).
    missing=$(grep -o "could not resolve '[^']*', dependency of '[^']*'" "$WORK/build.log" \
        | grep -v libqgtk3 | sed "s/could not resolve '\([^']*\)'.*/\1/" | sort -u | paste -sd ' ' - \
        || true)
    [ -z "$missing" ] || printf 'note not on the build machine, so not bundled: %s\n' "$missing"
fi
case "$OS" in
    linux) BUNDLE=$DIST/ComfyDesk; EXE=$BUNDLE/ComfyDesk ;;
    macos) BUNDLE=$DIST/ComfyDesk.app; EXE=$BUNDLE/Contents/MacOS/ComfyDesk ;;
    windows) BUNDLE=$DIST/ComfyDesk; EXE=$BUNDLE/comfydesk-cli.exe ;;
esac
[ -x "$EXE" ] || fail "no executable at $EXE"
ok "size $(( $(du -sk "$BUNDLE" | cut -f1) / 1024 )) MiB, $(find "$BUNDLE" -type f | wc -l | tr -d ' ') files in $BUNDLE"

# Run the frozen app from an unrelated folder, so nothing can come from the checkout by accident.
frozen() { (cd "$WORK" && COMFYDESK_HOME="${SMOKE_HOME:-$WORK/home}" QT_QPA_PLATFORM=offscreen "$EXE" "$@"); }

# --- self-test: database + migrations, icons, the window with every dock ----------------------
out=$(SMOKE_HOME="$WORK/home-selftest" frozen --self-test 2>"$WORK/selftest.err") \
    || { printf '%s\n' "$out"; cat "$WORK/selftest.err"; fail "--self-test exited non-zero"; }
printf '%s\n' "$out" | indent
grep -q '^FAIL' <<<"$out" && fail "--self-test printed a FAIL line"
grep -qx 'self-test passed' <<<"$out" || fail "--self-test did not print 'self-test passed'"
expected=$(source_py 'from app.ui.main_window import DOCK_SPECS
print(len(DOCK_SPECS))') || fail "cannot read DOCK_SPECS from the checkout"
built=$(grep -c '^ok   dock built: ' <<<"$out" || true)
[ "$built" -eq "$expected" ] || fail "--self-test built $built docks, main_window.DOCK_SPECS lists $expected"
titles=$(grep '^ok   dock built: ' <<<"$out" | sed 's/^ok   dock built: //')
ok "--self-test passed with all $(wc -l <<<"$titles" | tr -d ' ') docks"

# --- version and bundle contents --------------------------------------------------------------
version=$(source_py 'import app; print(app.__version__)') || fail "cannot read app.__version__"
want="comfydesk $version"
got=$(frozen --version) || fail "--version exited non-zero"
[ "$got" = "$want" ] || fail "--version printed '$got', expected '$want'"
ok "--version: $got"
modules=$("$PY" -m PyInstaller.utils.cliutils.archive_viewer --recursive --brief "$EXE" 2>/dev/null) \
    || fail "pyi-archive_viewer could not list $EXE"
for banned in tests pytest _pytest pytestqt aiohttp importlinter pygments; do
    grep -qE "^ ?$banned(\.|$)" <<<"$modules" && fail "test/dev-only package '$banned' is in the bundle"
done
ok "no test-only package in the bundle"

# --- CLI: profiles in a stand-in ComfyUI folder -----------------------------------------------
mkdir -p "$WORK/comfyui/input"
cli() { frozen "$@" >>"$WORK/cli.log" 2>&1 || { cat "$WORK/cli.log"; fail "'comfydesk $*' exited non-zero"; }; }
cli profiles --comfyui "$WORK/comfyui" create "smoke pool"
cli profiles --comfyui "$WORK/comfyui" export "smoke pool" "$WORK/smoke pool.zip"
cli profiles --comfyui "$WORK/comfyui" import "$WORK/smoke pool.zip"
listed=$(frozen profiles --comfyui "$WORK/comfyui" list) || fail "profiles list exited non-zero"
[ "$(grep -c '^smoke pool' <<<"$listed")" = 2 ] || { echo "$listed"; fail "profiles list"; }
ok "CLI profiles create/export/import/list"

# --- CLI against the fake ComfyUI: requests, websocket, Pillow, database writes ----------------
if (cd "$ROOT" && "$PY" -c 'import aiohttp, tests.fake_comfy' 2>/dev/null); then
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    (cd "$ROOT" && exec "$PY" -m tests.fake_comfy --port "$port" --dir "$WORK/fake" \
        --node-duration 0.01 --step-duration 0.01) >"$WORK/fake.log" 2>&1 &
    FAKE_PID=$!
    for _ in $(seq 150); do
        grep -q listening "$WORK/fake.log" && break
        kill -0 "$FAKE_PID" 2>/dev/null || { cat "$WORK/fake.log"; fail "fake ComfyUI did not start"; }
        sleep 0.2
    done
    grep -q listening "$WORK/fake.log" || fail "fake ComfyUI did not start within 30 s"
    url=http://127.0.0.1:$port
    reference=$ROOT/tests/data/comfyui-reference
    checkpoint=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[0])' \
        "$reference/models_checkpoints.json") || fail "cannot read the fake's checkpoint list"
    out=$(frozen generate --backend "$url" --checkpoint "$checkpoint" --prompt "smoke test" \
        --steps 2 --seed 1 --wait --timeout 60 2>"$WORK/generate.err") \
        || { cat "$WORK/generate.err"; fail "generate against the fake ComfyUI"; }
    image=$(grep -E '\.png$' <<<"$out" | head -n 1 | sed 's/^ *//' || true)
    [ -s "$image" ] || { echo "$out"; fail "generate stored no image"; }
    ok "CLI generate --wait against the fake ComfyUI stored $(basename "$image")"
    out=$(frozen profile "$reference/prompt_api.json" --backend "$url" --runs 1 2>&1) \
        || { echo "$out"; fail "profile against the fake ComfyUI"; }
    grep -q 'completed' <<<"$out" || { echo "$out"; fail "profile run did not complete"; }
    ok "CLI profile: $(grep -E '^total' <<<"$out" || echo 'run stored')"
    kill -INT "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true; FAKE_PID=""
else
    skip "fake ComfyUI checks (needs the test extra: aiohttp)"
fi

# --- double-click launching -------------------------------------------------------------------
case "$OS" in
    linux)
        XDG_DATA_HOME="$WORK/xdg-data" COMFYDESK_BIN_DIR="$WORK/xdg-bin" \
            sh "$ROOT/packaging/linux/install-user.sh" "$BUNDLE" >/dev/null
        entry=$WORK/xdg-data/applications/comfydesk.desktop
        [ -f "$WORK/xdg-data/icons/hicolor/256x256/apps/comfydesk.png" ] || fail "icon not installed"
        grep -qx "Exec=\"$BUNDLE/ComfyDesk\"" "$entry" || fail "desktop entry Exec= line: $(grep Exec "$entry")"
        grep -qx 'Terminal=false' "$entry" || fail "desktop entry opens a terminal"
        if command -v desktop-file-validate >/dev/null; then
            desktop-file-validate "$entry" || fail "desktop-file-validate"
        fi
        "$WORK/xdg-bin/ComfyDesk" --version >/dev/null || fail "the ~/.local/bin link does not run"
        ok "Linux desktop entry, icons and launcher link install (into a temporary home)"
        ;;
    windows)
        [ -f "$BUNDLE/ComfyDesk.exe" ] || fail "no windowed ComfyDesk.exe"
        ok "windowed ComfyDesk.exe beside the console comfydesk-cli.exe"
        ;;
    macos)
        plutil -extract CFBundleIdentifier raw "$BUNDLE/Contents/Info.plist" >/dev/null \
            || fail "ComfyDesk.app has no bundle identifier"
        ok "ComfyDesk.app bundle"
        ;;
esac
echo "smoke test passed"
