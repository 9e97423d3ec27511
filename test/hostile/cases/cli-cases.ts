// The `hangar` CLI under hostile arguments: one row per case (see support/case-types.ts).
import { EXIT } from '../../../src-main/cli/exit-codes.js';
import type { CliCase } from '../support/case-types.js';

export const cliCases: CliCase[] = [
  // names
  { id: 'cli-name-10000', title: 'create with a 10,000-character name', args: () => ['create', 'n'.repeat(10_000)], exit: EXIT.usage, stderr: /^hangar: vm\.create: name: Too big: expected string to have <=1000 characters\n$/ },
  { id: 'cli-name-newline', title: 'create with a newline in the name', args: () => ['create', 'web\nhangar: fake success'], exit: EXIT.usage, stderr: /^hangar: vm\.create: name: must not contain control characters/ },
  { id: 'cli-name-duplicate', title: 'create with the name of a machine that exists (ignoring case)', args: () => ['create', 'Target'], exit: EXIT.failure, stderr: /^hangar: a machine named "target" already exists \(id [0-9a-f-]{36}\).*; choose another name\n$/ },
  { id: 'cli-clone-duplicate', title: 'clone onto the name of a machine that exists', args: (c) => ['clone', c.target, 'TARGET'], exit: EXIT.failure, stderr: /^hangar: a machine named "target" already exists/ },
  { id: 'cli-name-blank', title: 'create with a blank name', args: () => ['create', '   '], exit: EXIT.usage, stderr: /^hangar: vm\.create: name: must not be empty/ },
  { id: 'cli-rename-escape', title: 'rename to a name with a terminal escape sequence', args: (c) => ['rename', c.target, 'x\u001b]0;owned\u0007'], exit: EXIT.usage, stderr: /^hangar: vm\.rename: name: must not contain control characters/ },
  { id: 'cli-vm-not-found', title: 'start a VM whose "name" is a path', args: () => ['start', '../../etc/passwd'], exit: EXIT.notFound, stderr: /no VM named or with id "\.\.\/\.\.\/etc\/passwd" in the library/ },

  // sizes and numbers
  // --cloud-image: seed files are read by the CLI; a private key never leaves it
  { id: 'cli-cloud-private-key', title: 'create --cloud-image with a private key as --ssh-key', args: (c) => ['create', 'z', '--cloud-image', c.world.goodQcow2, '--ssh-key', c.world.privateKey], exit: EXIT.usage, stderr: /^hangar: --ssh-key: .*id_test is a private key; give the public key \(.*id_test\.pub\)\n$/ },
  { id: 'cli-cloud-user-quote', title: 'create --cloud-image with a quote in --user', args: (c) => ['create', 'z', '--cloud-image', c.world.goodQcow2, '--user', 'a"b'], exit: EXIT.usage, stderr: /^hangar: cloud-init user "a\\"b" must be 1–32 characters/ },
  { id: 'cli-cloud-shadow', title: 'create --cloud-image of a symlink to /etc/shadow', args: (c) => ['create', 'z', '--cloud-image', c.world.shadowDisk], exit: EXIT.usage, stderr: /resolves to \/etc\/shadow, a system file .*as a cloud image/ },
  { id: 'cli-cloud-user-alone', title: '--user without --cloud-image', args: () => ['create', 'z', '--user', 'alice'], exit: EXIT.usage, stderr: /^hangar: --user goes with --cloud-image\n$/ },
  { id: 'cli-cloud-not-downloaded', title: '--cloud-image with a catalog id that cannot be fetched (the mirror refuses): no machine', args: () => ['create', 'z', '--cloud-image', 'debian-12-cloud-amd64'], exit: EXIT.failure, stderr: /hangar: download failed: connect ECONNREFUSED 127\.0\.0\.1:9\n$/ },
  { id: 'cli-cloud-password-fifo', title: '--password-file that is a FIFO (reading would hang)', args: (c) => ['create', 'z', '--cloud-image', c.world.goodQcow2, '--user', 'alice', '--password-file', c.world.fifo], exit: EXIT.usage, stderr: /^hangar: --password-file: .*pipe\.qcow2 is not a file\n$/ },
  { id: 'cli-disk-size-0', title: '--disk-size 0', args: () => ['create', 'z', '--disk-size', '0'], exit: EXIT.usage, stderr: /^hangar: --disk-size must be a number ≥ 0\.001 \(got "0"\)/ },
  { id: 'cli-disk-size-negative', title: '--disk-size=-5', args: () => ['create', 'z', '--disk-size=-5'], exit: EXIT.usage, stderr: /^hangar: --disk-size must be a number ≥ 0\.001 \(got "-5"\)/ },
  { id: 'cli-disk-size-2^64', title: '--disk-size 2^64', args: () => ['create', 'z', '--disk-size', '18446744073709551616'], exit: EXIT.usage, stderr: /^hangar: vm\.create: diskSizeGiB: Too big: expected number to be <=65536/ },
  { id: 'cli-disk-size-nan', title: '--disk-size NaN', args: () => ['create', 'z', '--disk-size', 'NaN'], exit: EXIT.usage, stderr: /^hangar: --disk-size must be a number ≥ 0\.001 \(got "NaN"\)/ },
  { id: 'cli-memory-2k', title: '--memory 2k', args: () => ['create', 'z', '--memory', '2k'], exit: EXIT.usage, stderr: /^hangar: --memory must be a whole number ≥ 16 \(got "2k"\)/ },
  { id: 'cli-cpus-0', title: '--cpus 0', args: () => ['create', 'z', '--cpus', '0'], exit: EXIT.usage, stderr: /^hangar: --cpus must be a whole number ≥ 1 \(got "0"\)/ },
  { id: 'cli-resize-0', title: 'disk resize to 0 GiB', args: (c) => ['disk', 'resize', c.target, 'disk0', '0'], exit: EXIT.usage, stderr: /must be a size in GiB greater than 0 \(got "0"\)/ },
  { id: 'cli-resize-shrink', title: 'disk resize that would shrink', args: (c) => ['disk', 'resize', c.target, 'disk0', '0.25'], exit: EXIT.usage, stderr: /cannot resize disk0 from 1 GiB to 256 MiB: shrinking would destroy data/ },

  // paths and images
  { id: 'cli-iso-text', title: '--iso a text file', args: (c) => ['create', 'z', '--iso', c.world.textIso], exit: EXIT.usage, stderr: /readme\.iso is not an ISO 9660 image/ },
  { id: 'cli-iso-dir', title: '--iso a folder', args: (c) => ['create', 'z', '--iso', c.world.dirIso], exit: EXIT.usage, stderr: /ISO is not a file: .*folder\.iso/ },
  { id: 'cli-iso-comma-quotes', title: '--iso a missing path with commas and quotes', args: (c) => ['create', 'z', '--iso', `${c.world.dir}/x, "y" 'z'.iso`], exit: EXIT.notFound, stderr: /ISO not found: .*x, "y" 'z'\.iso/ },
  { id: 'cli-iso-shadow', title: '--iso a symlink to /etc/shadow', args: (c) => ['create', 'z', '--iso', c.world.shadowIso], exit: EXIT.usage, stderr: /resolves to \/etc\/shadow, a system file/ },
  { id: 'cli-disk-shadow', title: '--disk a symlink to /etc/shadow', args: (c) => ['create', 'z', '--disk', c.world.shadowDisk], exit: EXIT.usage, stderr: /resolves to \/etc\/shadow, a system file/ },
  { id: 'cli-usb-image-fifo', title: 'usb attach --image a FIFO', args: (c) => ['usb', 'attach', c.target, '--image', c.world.fifo], exit: EXIT.usage, stderr: /USB stick image: the image .*pipe\.qcow2 is not a regular file/ },
  { id: 'cli-usb-device-comma', title: 'usb attach --device with a comma', args: (c) => ['usb', 'attach', c.target, '--device', '046d:c52b,bus=xhci.0'], exit: EXIT.usage, stderr: /must be VENDOR:PRODUCT, 4 hex digits each/ },
  { id: 'cli-usb-detach-unknown', title: 'usb detach of an id that is not attached', args: (c) => ['usb', 'detach', c.target, 'usb9'], exit: EXIT.notFound, stderr: /has no USB device "usb9" attached/ },
  { id: 'cli-disk-fifo', title: '--disk a FIFO', args: (c) => ['create', 'z', '--disk', c.world.fifo], exit: EXIT.usage, stderr: /the disk image is not a file: .*pipe\.qcow2/ },
  { id: 'cli-disk-truncated', title: '--disk a truncated qcow2', args: (c) => ['create', 'z', '--disk', c.world.truncatedQcow2], exit: EXIT.usage, stderr: /truncated\.qcow2 is not a disk image qemu-img can read: .*qcow2 header too short/ },
  { id: 'cli-disk-backing-shadow', title: '--disk a qcow2 backed by /etc/shadow', args: (c) => ['create', 'z', '--disk', c.world.backingShadow], exit: EXIT.usage, stderr: /the backing file \/etc\/shadow of .* resolves to \/etc\/shadow, a system file/ },
  { id: 'cli-disk-add-proc', title: 'disk add --file /proc/self/mem', args: (c) => ['disk', 'add', c.target, '--file', '/proc/self/mem'], exit: EXIT.usage, stderr: /\/proc\/self\/mem resolves to \/proc\/\d+\/mem, a system file/ },
  { id: 'cli-add-etc', title: 'add /etc as a bundle', args: () => ['add', '/etc'], exit: EXIT.failure, stderr: /bundle etc has no vm\.json/ },
  { id: 'cli-add-shadow-bundle', title: 'add a bundle whose vm.json links to /etc/shadow', args: (c) => ['add', c.world.bundles.shadow], exit: EXIT.failure, stderr: /^hangar: bundle shadow\.hangar: vm\.json is not valid JSON \((at position \d+|unexpected content)\)\n$/ },
  { id: 'cli-screenshot-stopped', title: 'screenshot of a stopped VM into /etc', args: (c) => ['screenshot', c.target, '/etc/hangar-owned.png'], exit: EXIT.invalidState, stderr: /"target" is not running \(stopped\)/ },

  // downloads: refused before any byte is fetched or written
  { id: 'cli-download-file-url', title: 'download file:///etc/shadow', args: () => ['download', 'file:///etc/shadow', '--sha256', 'a'.repeat(64)], exit: EXIT.usage, stderr: /^hangar: only https:\/\/ URLs can be downloaded \(http:\/\/ only with --sha256\): file:\n$/ },
  { id: 'cli-download-http-unverified', title: 'download an http:// URL without --sha256', args: () => ['download', 'http://127.0.0.1:9/x.iso'], exit: EXIT.usage, stderr: /only https:\/\/ URLs can be downloaded/ },
  { id: 'cli-download-traversal-name', title: 'download a URL whose file name is ../../.bashrc (encoded)', args: () => ['download', 'https://example.invalid/a/..%2F..%2F.bashrc', '--sha256', 'a'.repeat(64)], exit: EXIT.usage, stderr: /the URL does not end in a plain file name: "\.\.\/\.\.\/\.bashrc"/ },
  { id: 'cli-download-sha-short', title: 'download --sha256 that is not 64 hex digits', args: () => ['download', 'https://example.invalid/x.iso', '--sha256', 'abc'], exit: EXIT.usage, stderr: /sha256: must be 64 hex digits/ },
  { id: 'cli-download-to-file', title: 'download --to /etc/passwd (a file, not a folder)', args: () => ['download', 'debian-12-cloud-amd64', '--to', '/etc/passwd'], exit: EXIT.notFound, stderr: /^hangar: no folder \/etc\/passwd\n$/ },
  { id: 'cli-download-unknown-id', title: 'download an id that is no catalog entry', args: () => ['download', 'windows-xp-sp3'], exit: EXIT.notFound, stderr: /no OS download "windows-xp-sp3" in the catalog \(hangar os list\)/ },
  { id: 'cli-os-unknown', title: 'os with an unknown sub-verb', args: () => ['os', 'rm', '-rf'], exit: EXIT.usage, stderr: /^hangar: / },

  // hangar set / get: checked against the document schema before the engine is asked to write anything
  { id: 'cli-set-unknown-key', title: 'set a key the document does not have', args: (c) => ['set', c.target, 'memory=512', 'colour=red'], exit: EXIT.usage, stderr: /^hangar: unknown setting "colour"; valid keys: name, description, os, arch, machine, .*, disk0\.bus, .*cd0\.path, cd0\.bus\n$/ },
  { id: 'cli-set-proto', title: 'set __proto__', args: (c) => ['set', c.target, '__proto__=x'], exit: EXIT.usage, stderr: /^hangar: unknown setting "__proto__"; valid keys: / },
  { id: 'cli-set-constructor-path', title: 'set constructor.prototype.polluted', args: (c) => ['set', c.target, 'constructor.prototype.polluted=1'], exit: EXIT.usage, stderr: /^hangar: unknown setting "constructor\.prototype\.polluted"; valid keys: / },
  { id: 'cli-set-frozen-id', title: 'set the machine id', args: (c) => ['set', c.target, 'id=00000000-0000-4000-8000-000000000000'], exit: EXIT.usage, stderr: /^hangar: unknown setting "id"; valid keys: / },
  { id: 'cli-set-memory-2^64', title: 'set memory=2^64', args: (c) => ['set', c.target, 'memory=18446744073709551616'], exit: EXIT.usage, stderr: /^hangar: memory: must be at most 16777216 MiB \(16 TiB\)\n$/ },
  { id: 'cli-set-memory-exponent', title: 'set memory=1e9', args: (c) => ['set', c.target, 'memory=1e9'], exit: EXIT.usage, stderr: /^hangar: memory: must be a size in MiB, or with a unit: 2048, 2048M, 4G \(got "1e9"\)\n$/ },
  { id: 'cli-set-memory-tiny', title: 'set memory=8', args: (c) => ['set', c.target, 'memory=8'], exit: EXIT.usage, stderr: /^hangar: memory: must be a whole number of MiB >=16\n$/ },
  { id: 'cli-set-cpus-negative', title: 'set cpus=-1', args: (c) => ['set', c.target, 'cpus=-1'], exit: EXIT.usage, stderr: /^hangar: cpus: must be a whole number \(got "-1"\)\n$/ },
  { id: 'cli-set-display-option', title: 'set display=virtio,xres=9999 (an option smuggled into the device)', args: (c) => ['set', c.target, 'display=virtio,xres=9999'], exit: EXIT.usage, stderr: /^hangar: display: must be one of std, virtio, qxl, cirrus, ramfb, none \(got "virtio,xres=9999"\)\n$/ },
  { id: 'cli-set-switch-junk', title: 'set tpm=maybe', args: (c) => ['set', c.target, 'tpm=maybe'], exit: EXIT.usage, stderr: /^hangar: tpm: must be on or off \(got "maybe"\)\n$/ },
  { id: 'cli-set-name-newline', title: 'set a name with a newline', args: (c) => ['set', c.target, 'name=web\nhangar: fake success'], exit: EXIT.usage, stderr: /^hangar: name: must not contain control characters/ },
  { id: 'cli-set-cd-newline', title: 'set a CD path with a newline (would forge a log line)', args: (c) => ['set', c.target, `cd0.path=${c.world.dir}/x\n.iso`], exit: EXIT.usage, stderr: /^hangar: cd0\.path: must not contain a line break\n$/ },
  { id: 'cli-set-extra-args-shell', title: 'set extra-args as a shell string', args: (c) => ['set', c.target, 'extra-args=-incoming exec:touch /tmp/owned'], exit: EXIT.usage, stderr: /^hangar: extra-args: must be a JSON array of strings/ },
  { id: 'cli-set-extra-args-sandbox', title: 'set extra-args turning the sandbox off', args: (c) => ['set', c.target, 'extra-args=["-sandbox","off"]'], exit: EXIT.usage, stderr: /^hangar: extra-args: must not be -sandbox/ },
  { id: 'cli-set-no-value', title: 'set a bare word', args: (c) => ['set', c.target, 'memory'], exit: EXIT.usage, stderr: /^hangar: expected KEY=VALUE, got "memory"/ },
  { id: 'cli-get-proto', title: 'get __proto__', args: (c) => ['get', c.target, '__proto__'], exit: EXIT.usage, stderr: /^hangar: unknown setting "__proto__"; valid keys: / },

  // ports
  { id: 'cli-forward-0', title: 'forward host port 0', args: (c) => ['forward', 'add', c.target, '0', '22'], exit: EXIT.usage, stderr: /"0" is not a host port/ },
  { id: 'cli-forward-65536', title: 'forward host port 65536', args: (c) => ['forward', 'add', c.target, '65536', '22'], exit: EXIT.usage, stderr: /"65536" is not a host port/ },
  { id: 'cli-forward-guest-70000', title: 'forward to guest port 70000', args: (c) => ['forward', 'add', c.target, '8022', '70000'], exit: EXIT.usage, stderr: /GUESTPORT must be a port number from 1 to 65535 \(got "70000"\)/ },
  { id: 'cli-forward-busy', title: 'forward a host port another program holds', args: (c) => ['forward', 'add', c.target, String(c.busyPort), '22'], exit: EXIT.failure, stderr: /already in use by another program on this computer/ },

  // the library itself
  { id: 'cli-library-is-file', title: '--library pointing at a file', args: (c) => ['--library', c.world.textIso, 'list'], exit: EXIT.failure, stderr: /^hangar: the library .*readme\.iso is not a folder\n$/ },
  { id: 'cli-library-proc', title: '--library on /proc', args: () => ['--library', '/proc/self', 'list'], exit: EXIT.failure, stderr: /^hangar: cannot use \/proc\/\d+ as the library: its lock file cannot be written \(ENOENT\)\n$/ },
];
