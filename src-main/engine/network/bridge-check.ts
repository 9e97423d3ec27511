import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Where distributions install QEMU's setuid bridge helper (Debian/Ubuntu, Fedora/Arch, source builds). */
export const BRIDGE_HELPER_PATHS = ['/usr/lib/qemu/qemu-bridge-helper', '/usr/libexec/qemu-bridge-helper', '/usr/local/libexec/qemu-bridge-helper', '/usr/lib/qemu-bridge-helper'];
export const BRIDGE_CONF = '/etc/qemu/bridge.conf';

export interface BridgeCheckOptions {
  /** A fake file-system root in tests ('/' for real). */
  root?: string;
  platform?: NodeJS.Platform;
  /** Effective uid (0: root, which needs no setuid helper). */
  uid?: number;
}

export type BridgeVerdict = { ok: true } | { ok: false; problems: string[]; message: string };

/** The allow/deny lines of bridge.conf and the files it includes (qemu-bridge-helper's ACL format). */
async function readAcl(root: string, file: string, depth = 0): Promise<{ allow: string[]; deny: string[] } | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(join(root, file), 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  const acl = { allow: [] as string[], deny: [] as string[] };
  for (const line of text.split('\n')) {
    const [cmd, arg] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!cmd || !arg) continue;
    if (cmd === 'allow') acl.allow.push(arg);
    else if (cmd === 'deny') acl.deny.push(arg);
    else if (cmd === 'include' && depth < 8) {
      const inner = await readAcl(root, arg, depth + 1);
      if (typeof inner === 'object') {
        acl.allow.push(...inner.allow);
        acl.deny.push(...inner.deny);
      }
    }
  }
  return acl;
}

/**
 * Whether QEMU could attach a VM to `bridge` here (`-netdev bridge` runs qemu-bridge-helper): Linux, the
 * helper installed and setuid root (or Hangar running as root), the bridge allowed in bridge.conf, and
 * the bridge interface present. Each missing piece is named with the command that fixes it.
 */
export async function checkBridge(bridge: string, options: BridgeCheckOptions = {}): Promise<BridgeVerdict> {
  const root = options.root ?? '/';
  const platform = options.platform ?? process.platform;
  const uid = options.uid ?? process.geteuid?.() ?? -1;
  if (platform !== 'linux') {
    const problem = 'bridged networking is only supported on Linux hosts (it needs qemu-bridge-helper); use NAT (user) networking here';
    return { ok: false, problems: [problem], message: problem };
  }
  const problems: string[] = [];
  let helper: { path: string; setuid: boolean } | null = null;
  for (const p of BRIDGE_HELPER_PATHS) {
    const s = await stat(join(root, p)).catch(() => null);
    if (s?.isFile()) {
      helper = { path: p, setuid: (s.mode & 0o4000) !== 0 && s.uid === 0 };
      break;
    }
  }
  if (!helper) problems.push('qemu-bridge-helper is not installed (on Debian/Ubuntu: sudo apt-get install qemu-system-common)');
  else if (!helper.setuid && uid !== 0) problems.push(`${helper.path} is not setuid root, so QEMU cannot open the bridge as you: sudo chmod u+s ${helper.path}`);

  const acl = await readAcl(root, BRIDGE_CONF);
  const allowLine = `echo "allow ${bridge}" | sudo tee -a ${BRIDGE_CONF}`;
  if (acl === 'missing') problems.push(`${BRIDGE_CONF} does not exist, so no bridge is allowed: sudo mkdir -p /etc/qemu && ${allowLine}`);
  else if (acl !== 'unreadable') {
    // qemu-bridge-helper: a matching deny wins over any allow.
    const match = (list: string[]) => list.some((x) => x === bridge || x === 'all');
    if (match(acl.deny)) problems.push(`${BRIDGE_CONF} denies ${bridge}: remove its "deny" line, then ${allowLine}`);
    else if (!match(acl.allow)) problems.push(`${BRIDGE_CONF} does not allow ${bridge}: ${allowLine}`);
  }
  // An unreadable bridge.conf (root-only, as some distributions ship it) cannot be checked here; the helper reads it as root.

  const isBridge = await stat(join(root, 'sys/class/net', bridge, 'bridge')).then((s) => s.isDirectory(), () => false);
  if (!isBridge) {
    const exists = await stat(join(root, 'sys/class/net', bridge)).then(() => true, () => false);
    problems.push(
      exists
        ? `the network interface ${bridge} exists but is not a bridge; give the name of a bridge (ip link show type bridge)`
        : `there is no bridge ${bridge} on this host: create it (sudo ip link add name ${bridge} type bridge && sudo ip link set ${bridge} up) and add your wired interface to it, or choose an existing bridge`,
    );
  }
  if (problems.length === 0) return { ok: true };
  return { ok: false, problems, message: `cannot bridge to ${bridge}: ${problems.join('; ')}` };
}
