#!/usr/bin/env bash
# Builds the offline OCI image that the sandbox's OCI runner uses: a minimal Debian bookworm root
# filesystem with python3, imported into podman. No image registry is reachable from the build
# machines, so the image is made with debootstrap from the Debian mirror and `podman import`.
# Idempotent: does nothing when the image already exists.
#
#   scripts/oci-image.sh            build localhost/scriptplatform-python:bookworm if missing
#   SP_OCI_IMAGE=name:tag ...       another image name (must match ScriptPlatform:Sandbox:Oci:Image)
#   SP_DEBIAN_MIRROR=url ...        another Debian mirror
set -euo pipefail

image="${SP_OCI_IMAGE:-scriptplatform-python:bookworm}"
mirror="${SP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if ! command -v podman >/dev/null 2>&1; then
  echo "oci-image: podman is not installed; skipping the OCI image" >&2
  exit 0
fi
if podman image exists "$image"; then
  echo "oci-image: $image already exists"
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

rootfs="$(mktemp -d /var/tmp/sp-oci-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT

# python3-minimal lacks json, so the full python3 package; minbase keeps the image small (~260 MB).
debootstrap --variant=minbase --include=python3 bookworm "$rootfs" "$mirror"
# The apt caches and logs are useless in a read-only runtime image.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*

tar -C "$rootfs" -c . | podman import \
  --change 'CMD ["/usr/bin/python3"]' \
  --change 'WORKDIR /tmp' \
  - "$image"
echo "oci-image: built $image"
