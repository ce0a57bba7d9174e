#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for the browser tests and PDF fonts (Chromium, its driver and French
# resources, DejaVu),
# then axe-core (npm) for the accessibility audit (tests/test_accessibility_browser.py) in .cache/axe, git-ignored.
# Needs root (apt-get); without it the browser tests skip and say why (they fail under CI=true).
set -u
cd "$(dirname "$0")/.."
AXE_VERSION=4.14.1  # pinned: a new axe release may add rules; bump it deliberately and rerun the audit
AXE_PKG=.cache/axe/node_modules/axe-core/package.json

install_axe() {
  grep -qs "\"version\": \"$AXE_VERSION\"" "$AXE_PKG" && return 0
  if ! command -v npm >/dev/null; then
    echo "npm absent : axe-core non installé ; l'audit d'accessibilité sera ignoré (en échec si CI=true)." >&2
    return 0
  fi
  echo "Installation d'axe-core $AXE_VERSION (npm) dans .cache/axe…"
  mkdir -p .cache/axe
  npm install --prefix .cache/axe --no-save --no-audit --no-fund --silent "axe-core@$AXE_VERSION" \
    || echo "axe-core non installé : l'audit d'accessibilité sera ignoré (en échec si CI=true)." >&2
}

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
# Chromium's French resources: date fields read JJ/MM/AAAA in the browser tests and screenshots (fr-FR pages).
[ -f /usr/lib/chromium/locales/fr.pak ] || need+=(chromium-l10n)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "Paquets système manquants (${need[*]}) : installez-les en root ; les tests navigateur seront ignorés (en échec si CI=true)." >&2
  else
    echo "Installation de ${need[*]}…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
install_axe
