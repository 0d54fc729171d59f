#!/usr/bin/env bash
# Refresh the translation catalogues from the source and compile them.
# Usage: scripts/messages.sh [LANGUAGE...]   (default: every language under src/ethos/locale)
# Needs GNU gettext (xgettext, msgmerge, msgfmt). Jinja templates use Python's _() syntax,
# so xgettext's Python parser reads them too.
set -euo pipefail
cd "$(dirname "$0")/.."
locale=src/ethos/locale
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
find src/ethos \( -name '*.py' -o -name '*.jinja' \) -not -path '*/migrations/*' | sort |
  xgettext --from-code=UTF-8 -L Python --keyword=_ --keyword=gettext --keyword=gettext_lazy \
    --keyword=gettext_noop --keyword=ngettext:1,2 -f - -o "$pot"
languages=("$@")
[ ${#languages[@]} -gt 0 ] || mapfile -t languages < <(ls "$locale")
for lang in "${languages[@]}"; do
  po="$locale/$lang/LC_MESSAGES/django.po"
  mkdir -p "$(dirname "$po")"
  if [ -f "$po" ]; then msgmerge --quiet --update --backup=none "$po" "$pot"; else msginit --no-translator -l "$lang" -i "$pot" -o "$po"; fi
  msgfmt --check -o "${po%.po}.mo" "$po"
  echo "$po: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
done
