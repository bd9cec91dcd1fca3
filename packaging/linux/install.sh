#!/bin/sh
# Install nnstudio for the current user; no root needed.
#
#   sh install.sh            installs under ~/.local
#   sh install.sh PREFIX     installs under PREFIX (e.g. /opt/nnstudio-root, or /usr/local as root)
#
# What goes where (PREFIX = ~/.local by default):
#   PREFIX/share/nnstudio/                  the program (nnstudio, _internal/) and uninstall.sh
#   PREFIX/bin/nnstudio                     a symlink to it, for the terminal
#   PREFIX/share/applications/nnstudio.desktop                      the menu entry
#   PREFIX/share/icons/hicolor/{scalable,256x256,...}/apps/nnstudio.*  the icon
#   PREFIX/share/metainfo/io.github.nnstudio.nnstudio.metainfo.xml  for software centres
#   PREFIX/share/mime/packages/nnstudio.xml                         .nnproj files open in nnstudio
# Installing again replaces the program and keeps everything else (autosaves live in
# ~/.local/share/nnstudio too and are never touched). Remove it with uninstall.sh.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${1:-${NNSTUDIO_PREFIX:-${HOME:?HOME is not set}/.local}}
case "$PREFIX" in
    /*) ;;
    *) PREFIX="$(pwd)/$PREFIX" ;;
esac
APPDIR="$PREFIX/share/nnstudio"
BINDIR="$PREFIX/bin"
SHARE="$PREFIX/share"
MANIFEST="$APPDIR/.nnstudio-install"

if [ ! -f "$HERE/nnstudio/nnstudio" ]; then
    echo "install.sh: $HERE/nnstudio/nnstudio is missing; run this script from the unpacked archive" >&2
    exit 1
fi

# an earlier installation: remove what it installed (its manifest says what), keep the rest
if [ -f "$MANIFEST" ]; then
    while IFS= read -r path; do
        case "$path" in
            "$APPDIR"/*) rm -rf "$path" ;;
            /*) if [ -L "$path" ] || [ -f "$path" ]; then rm -f "$path"; fi ;;
        esac
    done < "$MANIFEST"
    rm -f "$MANIFEST"
fi

mkdir -p "$APPDIR" "$BINDIR" "$SHARE/applications"
installed=""
note() { installed="$installed$1
"; }

# the program: every entry of the bundle folder
for entry in "$HERE/nnstudio"/* "$HERE/nnstudio"/.[!.]*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    cp -R -P "$entry" "$APPDIR/"
    note "$APPDIR/$(basename "$entry")"
done
cp "$HERE/uninstall.sh" "$APPDIR/uninstall.sh"
chmod 755 "$APPDIR/uninstall.sh" "$APPDIR/nnstudio"
note "$APPDIR/uninstall.sh"

# the command
ln -sf "$APPDIR/nnstudio" "$BINDIR/nnstudio"
note "$BINDIR/nnstudio"

# the menu entry, with the program's full path (~/.local/bin is not on every desktop's PATH).
# Exec quoting (desktop entry spec): \ " ` $ get a backslash, then every backslash is doubled.
exec_path=$(printf '%s' "$APPDIR/nnstudio" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g')
try_path=$(printf '%s' "$APPDIR/nnstudio" | sed -e 's/\\/\\\\/g')
desktop="$SHARE/applications/nnstudio.desktop"
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
        Exec=*) printf 'Exec="%s" %%f\n' "$exec_path" ;;
        TryExec=*) printf 'TryExec=%s\n' "$try_path" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$HERE/share/applications/nnstudio.desktop" > "$desktop"
note "$desktop"

# icons, metainfo, MIME type: the archive's share/ tree as it is
cd "$HERE/share"
find icons metainfo mime -type f | while IFS= read -r rel; do
    mkdir -p "$SHARE/$(dirname "$rel")"
    cp "$rel" "$SHARE/$rel"
    echo "$SHARE/$rel"
done > "$MANIFEST.tmp"
cd "$HERE"

{ printf '%s' "$installed"; cat "$MANIFEST.tmp"; } > "$MANIFEST"
rm -f "$MANIFEST.tmp"

# refresh the desktop's caches where the tools exist (all optional)
if command -v update-mime-database >/dev/null 2>&1; then
    update-mime-database "$SHARE/mime" >/dev/null 2>&1 || true
fi
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$SHARE/applications" >/dev/null 2>&1 || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$SHARE/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" >/dev/null 2>&1 || true
fi

echo "nnstudio is installed in $APPDIR"
echo "  start it from the applications menu, or run: $BINDIR/nnstudio"
case ":${PATH:-}:" in
    *":$BINDIR:"*) ;;
    *) echo "  ($BINDIR is not on your PATH: add it to run plain 'nnstudio' in a terminal)" ;;
esac
echo "  check it: $BINDIR/nnstudio --self-test"
echo "  remove it: sh $APPDIR/uninstall.sh"
