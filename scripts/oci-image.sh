#!/usr/bin/env bash
# Builds the platform's OCI images offline: no image registry is reachable from the build machines,
# so each image is a minimal Debian bookworm root filesystem made with debootstrap from the Debian
# mirror, imported into podman. Idempotent: an image that already exists is left alone.
#
#   scripts/oci-image.sh [IMAGE...]   IMAGE: python (default; the sandbox's OCI runner),
#                                     postgres, rabbitmq (the AppHost's container mode)
#   SP_OCI_IMAGE=name:tag ...         another name for the python image (ScriptPlatform:Sandbox:Oci:Image)
#   SP_DEBIAN_MIRROR=url ...          another Debian mirror
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mirror="${SP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# name:tag, Debian packages, podman import --change lines; the entrypoint (if any) is
# scripts/images/KIND/entrypoint.sh, copied to /usr/local/bin/entrypoint.sh.
describe() {
  case "$1" in
    # python3-minimal lacks json, so the full python3 package (~260 MB).
    python) image="${SP_OCI_IMAGE:-scriptplatform-python:bookworm}"; packages=python3
            changes=('CMD ["/usr/bin/python3"]' 'WORKDIR /tmp') ;;
    # The same major version as the executable mode (Debian's postgresql-15).
    postgres) image=scriptplatform-postgres:15; packages=postgresql-15
              changes=('ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]' 'ENV PGDATA=/var/lib/postgresql/data'
                       'ENV LANG=C.UTF-8' 'EXPOSE 5432') ;;
    rabbitmq) image=scriptplatform-rabbitmq:3.10; packages=rabbitmq-server
              changes=('ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]' 'ENV LANG=C.UTF-8' 'EXPOSE 5672') ;;
    *) echo "oci-image: unknown image '$1' (python, postgres or rabbitmq)" >&2; exit 2 ;;
  esac
}

build() {
  local kind="$1" image packages changes=()
  describe "$kind"
  if podman image exists "$image"; then
    echo "oci-image: $image already exists"
    return 0
  fi

  local rootfs
  rootfs="$(mktemp -d /var/tmp/sp-oci-rootfs.XXXXXX)"
  # shellcheck disable=SC2064 # expand now: the trap must remove this rootfs
  trap "rm -rf '$rootfs'" RETURN
  debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" >/dev/null
  # Services installed by apt must not start inside the build; their caches and logs are dead weight.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*
  if [ -f "$here/images/$kind/entrypoint.sh" ]; then
    install -m 0755 "$here/images/$kind/entrypoint.sh" "$rootfs/usr/local/bin/entrypoint.sh"
  fi

  local args=()
  for change in "${changes[@]}"; do args+=(--change "$change"); done
  tar -C "$rootfs" -c . | podman import "${args[@]}" - "$image" >/dev/null
  echo "oci-image: built $image"
}

if ! command -v podman >/dev/null 2>&1; then
  echo "oci-image: podman is not installed; skipping" >&2
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "oci-image: debootstrap is required (apt-get install -y debootstrap)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "oci-image: debootstrap needs root" >&2
  exit 1
fi

[ $# -eq 0 ] && set -- python
for kind in "$@"; do build "$kind"; done
