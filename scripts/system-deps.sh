#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for the browser tests and PDF fonts (Chromium, its driver, DejaVu).
# Needs root (apt-get); without it the browser tests skip and say why (they fail under CI=true).
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Paquets système manquants (${need[*]}) : installez-les en root ; les tests navigateur seront ignorés (en échec si CI=true)." >&2
  exit 0
fi
echo "Installation de ${need[*]}…"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
