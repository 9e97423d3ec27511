/**
 * A newc ("070701") cpio archive, as the Linux kernel unpacks into its initramfs. Appended to an installer's
 * initrd (compressed archives and plain ones may follow each other), its files land in the installer's root:
 * that is how debian-installer finds /preseed.cfg without a network or a second disk.
 */
export interface CpioFile {
  /** A plain relative name, no folders (`preseed.cfg`). */
  name: string;
  data: Buffer;
  /** Permission bits; 0644 by default. */
  mode?: number;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);

function entry(ino: number, name: string, mode: number, data: Buffer): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'latin1');
  return Buffer.concat([header, nameBytes, pad4(header.length + nameBytes.length), data, pad4(data.length)]);
}

export function buildNewcCpio(files: CpioFile[]): Buffer {
  const parts = files.map((f, i) => {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(f.name) || f.name === '.' || f.name === '..') throw new Error(`cpio: not a plain file name: ${JSON.stringify(f.name)}`);
    return entry(i + 1, f.name, 0o100000 | (f.mode ?? 0o644), f.data);
  });
  const trailer = entry(0, 'TRAILER!!!', 0, Buffer.alloc(0));
  const body = Buffer.concat([...parts, trailer]);
  // The kernel reads archives in 512-byte blocks after a compressed one; pad like cpio(1) does.
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}
