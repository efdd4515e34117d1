#!/usr/bin/env bash
# The one list of system tools the tests need, and the Debian package of each.
# Run by `.ci/run` and by `npm test` (its pretest step). Everything present: it
# prints nothing and exits 0. Something missing: as root it installs it;
# otherwise it stops with the exact command to run. `npm start` needs none of
# these.
#
# Usage: .ci/system-packages.sh [--check] [--list]
#   --check  only report; never install, even as root
#   --list   print "command package" pairs and exit
set -euo pipefail

# command-to-look-for  debian-package
required=(
  "dig         dnsutils"
  "redis-server redis-server"
  "redis-cli   redis-tools"
  "/usr/bin/chromium chromium"
  "ip          iproute2"
  "zsh         zsh"
  "etcd        etcd-server"
  "etcdctl     etcd-client"
)

mode=install
case "${1:-}" in
  --check) mode=check ;;
  --list) printf '%s\n' "${required[@]}" | awk '{print $1, $2}'; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--check] [--list]" >&2; exit 2 ;;
esac

present() {
  case "$1" in
    /*) [ -x "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for row in "${required[@]}"; do
  read -r cmd pkg <<<"$row"
  present "$cmd" || missing+=("$pkg")
done

# kubectl is not a Debian package; the machine image ships kubectl 1.32.
kubectl_note=""
if ! command -v kubectl >/dev/null 2>&1; then
  kubectl_note="kubectl 1.32 is not on PATH: add the pkgs.k8s.io v1.32 apt repository, then apt-get install -y kubectl"
fi

if [ "${#missing[@]}" -gt 0 ]; then
  cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$mode" = install ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-packages: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "system-packages: the tests need ${missing[*]}; install with:" >&2
    echo "  sudo sh -c '$cmd'" >&2
    [ -n "$kubectl_note" ] && echo "system-packages: $kubectl_note" >&2
    exit 1
  fi
fi

if [ -n "$kubectl_note" ]; then
  echo "system-packages: $kubectl_note" >&2
  exit 1
fi
