# shellcheck shell=bash
# ha_environment: choose the virtual environment and the pinned package set of the Home Assistant
# release that HA_VERSION names. Sourced by scripts/setup, scripts/develop and scripts/e2e; the
# caller sets ROOT. Sets VENV, REQUIREMENTS and HA_RELEASE.
#
#   (unset), 2026.10.4   .venv from requirements_test.txt: the release the tests pin
#   2026.11.0            .venv-2026.11.0 from requirements_ha2026_11.txt (develop and e2e only)
#
# Another release needs its own requirements_ha<year>_<month>.txt that pins it.

DEFAULT_HA_VERSION="2026.10.4"

ha_environment() {
  HA_RELEASE="${HA_VERSION:-$DEFAULT_HA_VERSION}"
  if [ "$HA_RELEASE" = "$DEFAULT_HA_VERSION" ]; then
    VENV="$ROOT/.venv"
    REQUIREMENTS="$ROOT/requirements_test.txt"
    return 0
  fi
  if ! [[ "$HA_RELEASE" =~ ^([0-9]{4})\.([0-9]{1,2})\.[0-9]+$ ]]; then
    printf '\033[31merror: HA_VERSION must be a release such as %s, not %s\033[0m\n' \
      "$DEFAULT_HA_VERSION" "'$HA_RELEASE'" >&2
    return 1
  fi
  REQUIREMENTS="$ROOT/requirements_ha${BASH_REMATCH[1]}_${BASH_REMATCH[2]}.txt"
  if ! grep -qx "homeassistant==$HA_RELEASE" "$REQUIREMENTS" 2>/dev/null; then
    printf '\033[31merror: no pinned package set for Home Assistant %s: %s does not pin homeassistant==%s (known: %s)\033[0m\n' \
      "$HA_RELEASE" "$(basename "$REQUIREMENTS")" "$HA_RELEASE" "$(known_ha_versions)" >&2
    return 1
  fi
  VENV="$ROOT/.venv-$HA_RELEASE"
}

known_ha_versions() {
  # The releases with a package set: the default one, then each requirements_ha*.txt's pin.
  local file versions="$DEFAULT_HA_VERSION"
  for file in "$ROOT"/requirements_ha*.txt; do
    [ -f "$file" ] || continue
    versions+=" $(sed -n 's/^homeassistant==\(.*\)$/\1/p' "$file" | head -n 1)"
  done
  printf '%s' "$versions"
}
