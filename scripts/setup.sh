#!/usr/bin/env bash
# npm run setup: everything a fresh machine needs to build and test Hangar.
#   1. system packages (QEMU, OVMF, Chromium, fixture build tools): installed with apt-get on
#      Debian/Ubuntu, printed as commands elsewhere
#   2. npm ci (skipped when node_modules already matches package-lock.json)
#   3. test fixtures (test/fixtures/build-fixtures.sh, cached)
# Idempotent; a no-op run takes a couple of seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# Debian package -> why we need it
DEB_PACKAGES=(
  qemu-system-x86   # qemu-system-x86_64
  qemu-utils        # qemu-img
  ovmf              # UEFI firmware
  qemu-system-arm   # qemu-system-aarch64 (arm64 guests, emulated on x86_64 hosts)
  qemu-efi-aarch64  # AAVMF: UEFI firmware of aarch64 virt machines
  qemu-system-misc  # qemu-system-riscv64
  opensbi           # riscv64 machine-mode firmware
  u-boot-qemu       # riscv64 boot loader (qemu-riscv64_smode), started by OpenSBI
  swtpm             # virtual TPM 2.0 (firmware.tpm, e.g. Windows 11)
  swtpm-tools       # swtpm_setup (TPM state provisioning)
  samba             # smbd: shared folders of Windows guests (QEMU's -netdev user,smb=)
  chromium          # browser end-to-end tests (playwright-core)
  nasm              # fixtures: boot.img
  osinfo-db         # the host's OS database: iso.inspect recognises installers the built-in catalog lacks
  gcc               # fixtures: the vdagent-lite clipboard agent in linux.iso (static, with libc6-dev)
  libc6-dev         # fixtures: static libc for vdagent-lite
  xorriso           # fixtures: linux.iso
  isolinux          # fixtures: BIOS boot of linux.iso
  syslinux-common   # fixtures: ldlinux.c32
  syslinux          # fixtures: extlinux for disk images
  busybox-static    # fixtures: initramfs userland
  cpio              # fixtures: initramfs
  gzip              # fixtures: initramfs
  mtools            # fixtures: EFI boot image
  dosfstools        # fixtures: EFI boot image (mkfs.vfat)
  systemd-boot-efi  # fixtures: UEFI stub for the linux.iso unified kernel image
  binutils          # fixtures: objcopy (unified kernel image)
  binutils-aarch64-linux-gnu  # fixtures: aarch64-linux-gnu-objcopy (the aarch64 test guest's UKI)
  xz-utils          # fixtures: riscv64 kernel modules are .ko.xz
  debian-archive-keyring  # fixtures: arm64/riscv64 guest packages are fetched with a private apt state
  ca-certificates
  usb.ids           # host USB device names (/usr/share/misc/usb.ids; hangar usb list)
  websockify        # npm run bench: the noVNC + websockify baseline of the display benchmark
  libvirt-clients   # virsh: Hangar's client of libvirt connections (qemu:///system, qemu+ssh://)
  libxml2-utils     # tests: xmllint, which libvirt-clients' virt-xml-validate runs (only recommended, so not pulled in)
  libvirt-daemon-system  # tests: libvirtd and virtlogd, started by the test setup (test/helpers/libvirt-host.ts)
  openssh-client    # qemu+ssh:// connections (virsh runs ssh)
  openssh-server    # tests: an sshd on loopback for the qemu+ssh:// integration tests
  gpgv              # OS downloads: the distributions' signed checksum lists
  gpg               # tests: a signing key made in the test for the signed-list cases
  python3-yaml      # tests: the cloud-init seed's #cloud-config read back with PyYAML (what cloud-init parses it with)
  openssl           # tests: SHA-512 crypt hashes checked against openssl passwd -6
)

os_field() { # os_field ID|ID_LIKE
  (. /etc/os-release 2>/dev/null && eval "printf '%s' \"\${$1:-}\"") || true
}

is_debian_like() {
  [ -r /etc/os-release ] || return 1
  local id like
  id="$(os_field ID)"
  like="$(os_field ID_LIKE)"
  case " $id $like " in *" debian "*|*" ubuntu "*) return 0 ;; esac
  return 1
}

SUDO=()
as_root_check() { # as_root_check <what it is for>
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: run it yourself: sudo $1"
    SUDO=(sudo)
  fi
}
apt_update() {
  log "apt-get update"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
}

# The Linux test ISO downloads the current Debian kernel package: make sure the package lists are
# there and recent when that download is still to come (Debian only: Ubuntu has no linux-image-amd64).
refresh_lists_for_kernel() {
  [ "$(os_field ID)" = debian ] || return 0
  [ -z "${HANGAR_KERNEL_DEB:-}" ] || return 0
  compgen -G "test/fixtures/cache/debs/linux-image-*.deb" >/dev/null && return 0
  if ! apt-cache show linux-image-amd64 >/dev/null 2>&1 ||
     [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -720 -print -quit 2>/dev/null)" ]; then
    as_root_check "apt-get update"
    apt_update
  fi
}

install_debian() {
  local pkgs=("${DEB_PACKAGES[@]}")
  if [ "$(os_field ID)" = ubuntu ]; then
    # Ubuntu's Chromium is the snap wrapper package
    pkgs=("${pkgs[@]/#chromium/chromium-browser}")
  fi
  # One dpkg-query for all of them (one per package took seconds on a loaded machine); it names only the
  # packages it knows and fails for the rest, which then count as missing.
  local missing=() p installed
  # (`|| true`: under pipefail its failure would end this script silently, before anything is installed.)
  installed=" $( { dpkg-query -W -f='${Package}=${Status}\n' "${pkgs[@]}" 2>/dev/null || true; } | sed -n 's/=install ok installed$//p' | tr '\n' ' ') "
  for p in "${pkgs[@]}"; do
    [[ "$installed" == *" $p "* ]] || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "system packages: all ${#pkgs[@]} present"
    return
  fi
  log "system packages missing: ${missing[*]}"
  as_root_check "apt-get install --no-install-recommends ${missing[*]}"
  apt_update
  log "apt-get install ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  log "system packages installed"
}

print_other() {
  log "not Debian/Ubuntu: install the system packages yourself, for example:"
  cat <<'EOF'
  Fedora:   sudo dnf install qemu-system-x86 qemu-img edk2-ovmf swtpm swtpm-tools chromium nasm xorriso syslinux busybox cpio gzip mtools dosfstools systemd-boot-unsigned binutils
  Arch:     sudo pacman -S --needed qemu-base edk2-ovmf swtpm chromium nasm libisoburn syslinux busybox cpio gzip mtools dosfstools systemd binutils
  openSUSE: sudo zypper install qemu-x86 qemu-tools qemu-ovmf-x86_64 swtpm chromium nasm xorriso syslinux busybox-static cpio gzip mtools dosfstools systemd-boot binutils
  macOS:    brew install qemu swtpm nasm xorriso   (integration tests and fixtures need Linux)
  The Linux test ISO is built from a Debian kernel package: without apt, set HANGAR_KERNEL_DEB=/path/to/linux-image-*-amd64*.deb
EOF
  log "continuing without installing system packages"
}

# ---- 1. system packages
if [ "$(uname -s)" = Linux ] && is_debian_like && command -v dpkg-query >/dev/null 2>&1; then
  install_debian
  refresh_lists_for_kernel
else
  print_other
fi

# ---- 2. npm dependencies
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.hangar-lock-hash
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ] && [ -d node_modules ]; then
  log "node_modules up to date"
elif [ -f node_modules/.package-lock.json ] && node -e '
    // node_modules installed by someone else: accept it when it holds exactly the locked versions
    const fs = require("fs");
    const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages || {};
    const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages || {};
    for (const [k, v] of Object.entries(want)) {
      if (k === "" || v.link) continue;
      if (!have[k]) { if (v.optional || v.devOptional) continue; process.exit(1); }
      if (have[k].version !== v.version) process.exit(1);
    }
  '; then
  echo "$lock_hash" > "$stamp"
  log "node_modules matches package-lock.json"
else
  log "npm ci"
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi

# ---- 3. test fixtures
log "test fixtures"
bash test/fixtures/build-fixtures.sh

log "done"
