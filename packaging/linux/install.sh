#!/bin/sh
# Installs this copy of Tessera for the current user, without root and
# without a network: the folder is copied to ~/.local/share/tessera/app,
# `tessera` is linked into ~/.local/bin, and the menu entry, icon and file
# types (.svs, .ndpi, .mrxs, .tessera-case.json) are registered for the
# user. ./install.sh --uninstall removes all of it (cases, results and
# preferences stay: they are the user's).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
bindir=$HOME/.local/bin
app=$data/tessera/app

uninstall() {
  rm -rf "$app"
  rmdir "$data/tessera" 2>/dev/null || true # only when nothing else of the user's is there
  rm -f "$bindir/tessera" "$data/applications/org.tessera.viewer.desktop" \
        "$data/icons/hicolor/256x256/apps/org.tessera.viewer.png" "$data/mime/packages/org.tessera.viewer.xml"
  refresh
  echo "Tessera was removed (your cases, results and preferences were kept)."
}

refresh() { # menus and file types, when the desktop has the tools
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" 2>/dev/null || true
  command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$data/mime" >/dev/null 2>&1 || true
  return 0
}

case "${1:-}" in
  --uninstall) uninstall; exit 0 ;;
  "") ;;
  *) echo "usage: ./install.sh [--uninstall]" >&2; exit 2 ;;
esac

mkdir -p "$app" "$bindir" "$data/applications" "$data/icons/hicolor/256x256/apps" "$data/mime/packages"
if [ "$here" != "$app" ]; then
  rm -rf "$app.new"
  cp -R "$here" "$app.new"
  rm -rf "$app"
  mv "$app.new" "$app"
fi
ln -sf "$app/bin/tessera" "$bindir/tessera"
cp "$app/share/tessera.png" "$data/icons/hicolor/256x256/apps/org.tessera.viewer.png"
cp "$app/share/tessera-mime.xml" "$data/mime/packages/org.tessera.viewer.xml"
sed -e "s|@EXEC@|$app/bin/tessera|" -e "s|@ICON@|org.tessera.viewer|" "$app/share/tessera.desktop" > "$data/applications/org.tessera.viewer.desktop"
refresh
echo "Tessera $(cat "$app/VERSION") is installed: run 'tessera' ($bindir is on PATH in most desktops) or find it in the menu."
case ":$PATH:" in *":$bindir:"*) ;; *) echo "Note: $bindir is not on your PATH; start it as $app/bin/tessera" ;; esac
