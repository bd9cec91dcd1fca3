#!/bin/sh
# Remove nnstudio installed by install.sh.
#
#   sh ~/.local/share/nnstudio/uninstall.sh     (the copy install.sh leaves beside the program)
#   sh uninstall.sh [PREFIX]                   (from the archive; PREFIX as given to install.sh)
#
# Removes exactly what install.sh listed in its manifest. Your projects, and autosaves in
# ~/.local/share/nnstudio, are kept.
set -eu

SELF_DIR=$(cd "$(dirname "$0")" && pwd)
if [ $# -ge 1 ]; then
    PREFIX=$1
    case "$PREFIX" in /*) ;; *) PREFIX="$(pwd)/$PREFIX" ;; esac
    APPDIR="$PREFIX/share/nnstudio"
elif [ -f "$SELF_DIR/.nnstudio-install" ]; then
    APPDIR=$SELF_DIR
else
    APPDIR="${NNSTUDIO_PREFIX:-${HOME:?HOME is not set}/.local}/share/nnstudio"
fi
SHARE=$(dirname "$APPDIR")
MANIFEST="$APPDIR/.nnstudio-install"

if [ ! -f "$MANIFEST" ]; then
    echo "uninstall.sh: nnstudio is not installed in $APPDIR (no install manifest there)" >&2
    exit 1
fi

while IFS= read -r path; do
    case "$path" in
        "$APPDIR"/*) rm -rf "$path" ;;
        /*) if [ -L "$path" ] || [ -f "$path" ]; then rm -f "$path"; fi ;;
    esac
done < "$MANIFEST"
rm -f "$MANIFEST"
rmdir "$APPDIR" 2>/dev/null || true  # left in place when it holds autosaves

if command -v update-mime-database >/dev/null 2>&1 && [ -d "$SHARE/mime/packages" ]; then
    update-mime-database "$SHARE/mime" >/dev/null 2>&1 || true
fi
if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$SHARE/applications" ]; then
    update-desktop-database -q "$SHARE/applications" >/dev/null 2>&1 || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$SHARE/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" >/dev/null 2>&1 || true
fi
echo "nnstudio was removed from $APPDIR"
