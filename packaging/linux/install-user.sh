#!/usr/bin/env sh
# Make a built ComfyDesk folder launchable from the desktop for the current user (no root):
#   packaging/linux/install-user.sh /path/to/dist/ComfyDesk      install or update
#   packaging/linux/install-user.sh --uninstall                  remove what install added
# It links ~/.local/bin/ComfyDesk to the build, installs the icon into the hicolor theme and
# writes comfydesk.desktop with an absolute Exec= line. The build folder itself stays where it is.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
BIN=${COMFYDESK_BIN_DIR:-$HOME/.local/bin}
SIZES="16 24 32 48 64 128 256 512"

refresh_caches() {
    # Menus and icon themes cache what they found; both tools are optional.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database "$DATA/applications" >/dev/null 2>&1 || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t "$DATA/icons/hicolor" >/dev/null 2>&1 || true
    fi
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$BIN/ComfyDesk" "$DATA/applications/comfydesk.desktop"
    for size in $SIZES; do
        rm -f "$DATA/icons/hicolor/${size}x${size}/apps/comfydesk.png"
    done
    refresh_caches
    echo "removed the ComfyDesk launcher, icons and $BIN/ComfyDesk (the build folder is untouched)"
    exit 0
fi

if [ $# -ne 1 ] || [ ! -x "$1/ComfyDesk" ]; then
    echo "usage: $0 DIST_DIR (the folder holding the ComfyDesk executable) | --uninstall" >&2
    exit 2
fi
DIST=$(cd "$1" && pwd)
case "$DIST" in
    *'"'* | *'`'* | *'$'* | *'\'* | *'|'*)
        echo "the build folder's path has a character a desktop entry cannot hold: $DIST" >&2
        exit 2 ;;
esac
ICONS="$DIST/_internal/resources/icons"

mkdir -p "$BIN" "$DATA/applications"
ln -sfn "$DIST/ComfyDesk" "$BIN/ComfyDesk"
for size in $SIZES; do
    mkdir -p "$DATA/icons/hicolor/${size}x${size}/apps"
    cp "$ICONS/comfydesk-$size.png" "$DATA/icons/hicolor/${size}x${size}/apps/comfydesk.png"
done
# An absolute Exec= works even when ~/.local/bin is not on the PATH of the desktop session.
# Quoted for the desktop-entry spec (spaces are fine; a literal % is written %%).
EXEC=$(printf '%s' "$DIST/ComfyDesk" | sed 's/%/%%/g; s/&/\\&/g')
sed "s|^Exec=.*|Exec=\"$EXEC\"|" \
    "$HERE/comfydesk.desktop" > "$DATA/applications/comfydesk.desktop"
chmod 644 "$DATA/applications/comfydesk.desktop"
refresh_caches
echo "installed: $DATA/applications/comfydesk.desktop -> $DIST/ComfyDesk"
