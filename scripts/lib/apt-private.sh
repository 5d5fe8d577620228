# shellcheck shell=bash
# apt_private NAME SUITE APT-ARGS...: run apt-get against a private sources file and state folder
# under $CACHE/apt-NAME, so that Debian packages can be downloaded and unpacked into .cache without
# reading or writing the system's apt state. Sourced by scripts/setup and scripts/test-clock; the
# caller sets CACHE.

apt_private() {
  local name="$1" suite="$2"
  shift 2
  local dir="$CACHE/apt-$name"
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  [ -f "$dir/status" ] || : >"$dir/status"
  cat >"$dir/debian.sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  apt-get -q \
    -o Dir::Etc::SourceList="$dir/debian.sources" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$dir/lists" \
    -o Dir::State::status="$dir/status" \
    -o Dir::Cache="$dir/cache" \
    -o APT::Sandbox::User=root \
    "$@"
}
