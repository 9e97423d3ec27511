import type { ParseArgsConfig } from 'node:util';
import { UNATTENDED_CREATE_OPTIONS } from './unattended-options.js';

export interface VerbSpec {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Positional argument names; a trailing `...` takes the rest. */
  positionals: string[];
  minPositionals: number;
  /** More help after the summary (`hangar VERB --help`); a function when it needs modules other commands do not load. */
  details?: string | (() => Promise<string>);
}

const json = { json: { type: 'boolean' as const } };

/** The setting keys come from the document schema (zod): loaded only for `hangar set/get --help`. */
const settingKeysDetails = async (): Promise<string> => (await import('./set-keys.js')).settingKeysHelp();

/** Every verb of `hangar`, its usage line and options: the single source for parsing and --help. */
export const VERBS: Record<string, VerbSpec> = {
  list: { usage: 'hangar list [--json]', summary: 'List the machines in the library with their run state', options: json, positionals: [], minPositionals: 0 },
  create: {
    usage: 'hangar create NAME [--iso PATH] [--disk-size GIB] [--disk PATH [--copy|--convert]] [--memory MIB] [--cpus N] [--os ID] [--firmware bios|uefi] [--arch x86_64|aarch64|riscv64] [--folder DIR] [--cloud-image PATH|CATALOG-ID [--user NAME] [--password-file F] [--ssh-key FILE]... [--hostname H] [--user-data FILE]] [--unattended --user NAME --password-file F [--hostname H] [--full-name N] [--language L] [--keyboard K] [--timezone TZ] [--unattended-method M]]',
    summary: 'Create a machine; prints its id. --unattended: install the OS from --iso without questions (needs --disk-size)',
    details: '--cloud-image: the disk is a qcow2 overlay on the image (grown to --disk-size), and a cloud-init seed CD (volume id cidata) gives the guest the user, password (stored only hashed), SSH public keys, host name and extra user-data at first boot. --unattended: the installer is answered from a generated answer file (preseed, autoinstall, kickstart or autounattend.xml) with the user, password (hashed where the format allows), host name, language, keyboard and time zone.',
    options: {
      iso: { type: 'string' },
      'disk-size': { type: 'string' },
      disk: { type: 'string' },
      copy: { type: 'boolean' },
      convert: { type: 'boolean' },
      memory: { type: 'string' },
      cpus: { type: 'string' },
      os: { type: 'string' },
      firmware: { type: 'string' },
      arch: { type: 'string' },
      folder: { type: 'string' },
      ...UNATTENDED_CREATE_OPTIONS,
      'cloud-image': { type: 'string' },
      'ssh-key': { type: 'string', multiple: true },
      'user-data': { type: 'string' },
    },
    positionals: ['NAME'],
    minPositionals: 1,
  },
  start: {
    usage: 'hangar start VM [--disposable] [--wait-for-serial TEXT] [--timeout S]',
    summary: 'Start a machine (a saved state resumes); --disposable: without saving changes (disk writes are thrown away at power-off); optionally wait until TEXT appears on its serial console',
    options: { disposable: { type: 'boolean' }, 'wait-for-serial': { type: 'string' }, timeout: { type: 'string' } },
    positionals: ['VM'],
    minPositionals: 1,
  },
  stop: {
    usage: 'hangar stop VM [--force|--save|--agent] [--timeout S]',
    summary: 'Shut a machine down with the ACPI power button, then its guest agent if the guest ignored it (or --agent: the guest agent at once; --force: power off at once; --save: save the machine state, resumed by the next start)',
    options: { force: { type: 'boolean' }, save: { type: 'boolean' }, agent: { type: 'boolean' }, timeout: { type: 'string' } },
    positionals: ['VM'],
    minPositionals: 1,
  },
  'discard-state': { usage: 'hangar discard-state VM', summary: 'Discard a saved machine state: the machine is powered off again', options: {}, positionals: ['VM'], minPositionals: 1 },
  pause: { usage: 'hangar pause VM', summary: 'Pause a running machine', options: {}, positionals: ['VM'], minPositionals: 1 },
  resume: { usage: 'hangar resume VM', summary: 'Resume a paused machine', options: {}, positionals: ['VM'], minPositionals: 1 },
  reset: { usage: 'hangar reset VM', summary: 'Hard-reset a machine (like the reset button)', options: {}, positionals: ['VM'], minPositionals: 1 },
  info: { usage: 'hangar info VM [--json]', summary: 'Show a machine’s settings and run state', options: json, positionals: ['VM'], minPositionals: 1 },
  set: {
    usage: 'hangar set VM KEY=VALUE...',
    summary: 'Change settings of a stopped machine, as the settings dialog does (e.g. memory=2048 cpus=4 clipboard=both); prints the new values',
    options: {},
    positionals: ['VM', 'KEY=VALUE...'],
    minPositionals: 2,
    details: settingKeysDetails,
  },
  get: {
    usage: 'hangar get VM [KEY...] [--json]',
    summary: 'Show settings as KEY=VALUE lines, the keys hangar set takes (all of them, or the ones named)',
    options: json,
    positionals: ['VM', 'KEY...'],
    minPositionals: 1,
    details: settingKeysDetails,
  },
  argv: { usage: 'hangar argv VM', summary: 'Print the exact QEMU command line, one argument per line', options: {}, positionals: ['VM'], minPositionals: 1 },
  console: {
    usage: 'hangar console VM [--no-follow]',
    summary: 'Print the serial console and follow it (stdin is sent to the guest)',
    options: { 'no-follow': { type: 'boolean' } },
    positionals: ['VM'],
    minPositionals: 1,
  },
  logs: {
    usage: 'hangar logs VM [--qemu|--serial|--events] [--bytes N]',
    summary: "Print the tail of a machine's QEMU log (default), serial log, or the QMP events of its current or last run",
    options: { qemu: { type: 'boolean' }, serial: { type: 'boolean' }, events: { type: 'boolean' }, bytes: { type: 'string' } },
    positionals: ['VM'],
    minPositionals: 1,
  },
  screenshot: { usage: 'hangar screenshot VM FILE', summary: 'Save the screen as a PNG file', options: {}, positionals: ['VM', 'FILE'], minPositionals: 2 },
  'send-key': { usage: 'hangar send-key VM COMBO', summary: 'Press a key combination, e.g. ctrl-alt-delete', options: {}, positionals: ['VM', 'COMBO'], minPositionals: 2 },
  type: { usage: 'hangar type VM TEXT', summary: 'Type TEXT as key presses (\\n presses Enter)', options: {}, positionals: ['VM', 'TEXT'], minPositionals: 2 },
  delete: {
    usage: 'hangar delete VM [--files]',
    summary: 'Remove a machine from the library (--files also deletes its folder)',
    options: { files: { type: 'boolean' } },
    positionals: ['VM'],
    minPositionals: 1,
  },
  clone: {
    usage: 'hangar clone VM NEWNAME [--linked] [--json]',
    summary: 'Clone a stopped machine: copy its disks (progress on stderr), or --linked: overlays on a shared base; prints the new id',
    options: { ...json, linked: { type: 'boolean' } },
    positionals: ['VM', 'NEWNAME'],
    minPositionals: 2,
  },
  rename: { usage: 'hangar rename VM NEWNAME', summary: 'Rename a machine', options: {}, positionals: ['VM', 'NEWNAME'], minPositionals: 2 },
  add: {
    usage: 'hangar add PATH [--accept-risks]',
    summary: 'Add an existing .hangar bundle to the library; one with extra QEMU arguments or files outside its folder needs --accept-risks',
    options: { 'accept-risks': { type: 'boolean' } },
    positionals: ['PATH'],
    minPositionals: 1,
  },
  os: {
    usage: 'hangar os list [--json] | hangar os update | hangar os media [--json] | hangar os clean',
    summary: 'The OS download catalog (list, fetch an update) and the Installation media folder (size, clean)',
    options: json,
    positionals: ['list|update|media|clean'],
    minPositionals: 1,
    details:
      'list: catalog ids for hangar download and create --cloud-image, with kind, arch and size.\n' +
      'update: fetch a newer catalog (the built-in copy always works). media: the Installation media folder and its files.\n' +
      'clean: delete the downloaded files (not a download under way).\n' +
      'Settings: HANGAR_OFFLINE=1 (no network), HTTPS_PROXY / NO_PROXY, HANGAR_DOWNLOAD_MIRROR=ORIGIN (replaces the origin of every\n' +
      'catalog URL), HANGAR_MEDIA_DIR (the folder); or download-settings.json beside the folder ({offline, proxy, noProxy, mirror}).',
  },
  download: {
    usage: 'hangar download (CATALOG-ID | URL) [--sha256 HEX] [--to DIR]',
    summary: 'Download an OS image (resumable), verify it and print its path; a checksum mismatch exits 1 and leaves no file',
    options: { sha256: { type: 'string' }, to: { type: 'string' } },
    positionals: ['CATALOG-ID|URL'],
    minPositionals: 1,
    details:
      'A catalog id (hangar os list) is checked against the distribution\'s checksum file, and its signature with gpgv\n' +
      'when gpgv and the key are installed (else "checksum only" is printed). A URL must be https (http only with --sha256).\n' +
      'Files go to the Installation media folder unless --to DIR. Progress and speed on stderr; Ctrl+C keeps the partial\n' +
      'file, and the same command later resumes it.',
  },
  export: {
    usage: 'hangar export VM FILE [--overwrite]',
    summary: 'Write a stopped machine as one archive (FILE.tar.gz, or FILE.tar uncompressed); progress on stderr, Ctrl+C cancels',
    options: { overwrite: { type: 'boolean' } },
    positionals: ['VM', 'FILE'],
    minPositionals: 2,
  },
  import: {
    usage: 'hangar import FILE [--name NAME] [--json]',
    summary: 'Check and add a machine from an archive made by hangar export (a new id if its id is taken); prints the id',
    options: { ...json, name: { type: 'string' } },
    positionals: ['FILE'],
    minPositionals: 1,
  },
  snapshot: {
    usage: 'hangar snapshot list|take|restore|delete|rename VM [NAME] [--no-ram] [--description TEXT] [--name NEW] [--json]',
    summary: 'Snapshots: list the tree, take one (with RAM while running; --no-ram: disks only), restore, delete, rename',
    options: { ...json, 'no-ram': { type: 'boolean' }, description: { type: 'string' }, name: { type: 'string' } },
    positionals: ['ACTION', 'VM', 'NAME'],
    minPositionals: 2,
  },
  media: {
    usage: 'hangar media insert VM ISO [--drive ID] [--no-force] | hangar media eject VM [--drive ID] [--no-force] | hangar media recent [--json]',
    summary: 'Insert, swap or eject a CD-ROM image (live while the machine runs); list recent ISOs',
    options: { drive: { type: 'string' }, 'no-force': { type: 'boolean' }, ...json },
    positionals: ['ACTION', 'VM', 'ISO'],
    minPositionals: 1,
  },
  disk: {
    usage: 'hangar disk add VM (--size GIB | --file PATH [--format F]) [--bus B] | disk remove VM DISK [--delete-file] | disk resize VM DISK GIB | disk convert VM DISK [--delete-old] | disk compact VM DISK | disk info VM DISK [--json]',
    summary: 'Disks of a stopped machine: add a new or existing image, remove, grow, convert to qcow2, compact; show sizes and the backing chain',
    options: { ...json, size: { type: 'string' }, file: { type: 'string' }, format: { type: 'string' }, bus: { type: 'string' }, 'delete-file': { type: 'boolean' }, 'delete-old': { type: 'boolean' } },
    positionals: ['ACTION', 'VM', 'DISK', 'SIZE'],
    minPositionals: 2,
  },
  forward: {
    usage: 'hangar forward list VM [--json] | forward add VM [tcp|udp:]HOSTPORT GUESTPORT | forward remove VM [tcp|udp:]HOSTPORT',
    summary: 'Port forwards of a NAT network (host port -> guest port); applied live while the machine runs',
    options: json,
    positionals: ['ACTION', 'VM', 'HOSTPORT', 'GUESTPORT'],
    minPositionals: 2,
  },
  connection: {
    usage: 'hangar connection list [--json] | connection add NAME URI | connection remove NAME | connection rename NAME NEW | connection test NAME',
    summary: 'libvirt connections (qemu:///system, qemu+ssh://user@host/system); use one with hangar --connection NAME VERB',
    options: json,
    positionals: ['ACTION', 'NAME', 'URI'],
    minPositionals: 1,
  },
  pool: {
    usage: 'hangar --connection NAME pool list [--json] | hangar --connection NAME pool upload FILE [--pool POOL] [--name NAME]',
    summary: "A libvirt connection's storage pools: list their ISOs, or upload an ISO of this computer to one (progress on stderr, Ctrl+C cancels)",
    options: { ...json, pool: { type: 'string' }, name: { type: 'string' } },
    positionals: ['list|upload', 'FILE'],
    minPositionals: 1,
    details:
      'upload: into the pool "default" unless --pool, as a volume named like the file unless --name (a plain file name).\n' +
      'An existing volume is never overwritten. A cancelled or failed upload deletes the half-written volume. Prints the\n' +
      "volume's path on the connection's host (what hangar --connection NAME create --iso takes).",
  },
  usb: {
    usage: 'hangar usb list [VM] [--json] | usb attach VM (--image FILE [--read-only] | --device VENDOR:PRODUCT) | usb detach VM ID | usb rule add|remove VM VENDOR:PRODUCT|PORT',
    summary: "USB: the host's devices (and what keeps you from using one), a machine's sticks and host devices; attach/detach live while it runs, saved while stopped; rules taken at every start and when plugged in",
    options: { ...json, image: { type: 'string' }, 'read-only': { type: 'boolean' }, device: { type: 'string' } },
    positionals: ['ACTION', 'VM', 'ID', 'SPEC'],
    minPositionals: 1,
  },
  share: {
    usage: 'hangar share list VM [--json] | share add VM DIR [--name NAME] [--read-only] | share remove VM NAME',
    summary: 'Folders shared with the guest (9p for Linux guests, SMB at \\\\10.0.2.4\\qemu for Windows); shows the command to use inside the guest; change them while the machine is stopped',
    options: { ...json, name: { type: 'string' }, 'read-only': { type: 'boolean' } },
    positionals: ['ACTION', 'VM', 'DIR|NAME'],
    minPositionals: 2,
  },
  'finish-install': {
    usage: 'hangar finish-install VM',
    summary: 'Remove the installation medium and boot from the disk (done automatically when the installer powers off or reboots)',
    options: {},
    positionals: ['VM'],
    minPositionals: 1,
  },
  host: { usage: 'hangar host [--json]', summary: 'Show QEMU, accelerators and firmware found on this host', options: json, positionals: [], minPositionals: 0 },
  engine: {
    usage: 'hangar engine',
    summary: 'Run the engine in the foreground, serving the control socket (other hangar commands then go through it)',
    options: {},
    positionals: [],
    minPositionals: 0,
  },
  serve: {
    usage: 'hangar serve [--port N] [--token-file FILE] [--allow-dir DIR]... [--allow-extra-args] [--allow-remote --tls-cert FILE --tls-key FILE]',
    summary: 'Run the browser host on a loopback port and print its URL (--allow-dir: more folders for its file browser; --allow-extra-args: let it set extra QEMU arguments, i.e. run any program as you)',
    options: {
      port: { type: 'string' },
      'allow-dir': { type: 'string', multiple: true },
      'allow-extra-args': { type: 'boolean' },
      'allow-remote': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'token-file': { type: 'string' },
    },
    positionals: [],
    minPositionals: 0,
  },
};

export function globalHelp(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length));
  const lines = Object.entries(VERBS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`);
  return [
    'Usage: hangar [--library DIR] [--connection NAME] VERB [ARGS]',
    '',
    'Manage QEMU virtual machines from the command line. VM is a machine name or id (or a unique id prefix).',
    '',
    'Verbs:',
    ...lines,
    '',
    'Options:',
    '  --library DIR  use this library folder (default: $HANGAR_LIBRARY, then the platform data folder)',
    '  --connection NAME  run the verb on a libvirt connection (hangar connection list); what libvirt cannot do exits 4',
    '  --help         show help (also: hangar VERB --help)',
    '',
    'Commands go through the engine that owns the library (the app, hangar serve or hangar engine); when none',
    'runs, the first command starts one in the background, which exits after 60 s without clients',
    '(HANGAR_ENGINE_IDLE_TIMEOUT=SECONDS). Running machines never depend on it.',
    '',
    'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 invalid state, 5 timeout, 6 QEMU error, 7 library locked',
  ].join('\n');
}
