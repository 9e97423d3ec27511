import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { EngineError, type SnapshotNodeInfo, type SnapshotTree } from '../../../src-shared/contract/index.js';
import { jsonSyntaxProblem } from '../../../src-shared/vm-document/validate.js';
import { SAVED_STATE_TAG } from '../saved-state/saved-state-file.js';

/**
 * The snapshot tree of one VM as stored in `<bundle>/snapshots.json`, and the pure operations on it.
 * Nothing here touches images or QEMU; the service feeds in what the images hold (`ImageSnapshots`).
 */

const nodeSchema = z.object({
  id: z.string().min(1),
  tag: z.string().min(1),
  name: z.string(),
  description: z.string().default(''),
  createdAt: z.string(),
  parentId: z.string().nullable(),
  withRam: z.boolean(),
  vmStateSize: z.number().optional(),
  thumbnail: z.string().nullable().default(null),
  /** Format node names the snapshot covers; the first holds the RAM state when `withRam`. */
  devices: z.array(z.string()).default([]),
  orphan: z.boolean().optional(),
  /** RAM snapshots: the settings the memory state depends on (snapshot-hardware.ts); absent in older ones. */
  hardware: z.record(z.string(), z.unknown()).optional(),
});

const fileSchema = z.object({
  version: z.literal(1),
  currentId: z.string().nullable(),
  pendingRamRestore: z.string().nullable().default(null),
  nodes: z.array(nodeSchema),
});

export type StoredSnapshot = z.infer<typeof nodeSchema>;
export type SnapshotFile = z.infer<typeof fileSchema>;

export const SNAPSHOTS_JSON = 'snapshots.json';

export function emptySnapshotFile(): SnapshotFile {
  return { version: 1, currentId: null, pendingRamRestore: null, nodes: [] };
}

/** Parses snapshots.json; a damaged file is an error that names the file (it is never silently dropped). */
export function parseSnapshotFile(text: string, where: string): SnapshotFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new EngineError('invalid-document', `${where} is not valid JSON (${jsonSyntaxProblem(err)})`);
  }
  const r = fileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new EngineError('invalid-document', `${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const file = r.data;
  // Dangling references (hand edits) are repaired rather than fatal: a parent that is gone means a root.
  const ids = new Set(file.nodes.map((n) => n.id));
  for (const n of file.nodes) if (n.parentId !== null && (!ids.has(n.parentId) || n.parentId === n.id)) n.parentId = null;
  if (file.currentId !== null && !ids.has(file.currentId)) file.currentId = null;
  return file;
}

export function serializeSnapshotFile(file: SnapshotFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Finds a node by id, unique id prefix (≥ 4 characters), exact name, or tag. */
export function findSnapshot(file: SnapshotFile, ref: string): StoredSnapshot {
  const q = ref.trim();
  const exact = file.nodes.find((n) => n.id === q) ?? file.nodes.find((n) => n.tag === q);
  if (exact) return exact;
  const lower = q.toLowerCase();
  const matches = file.nodes.filter((n) => n.name === q || (lower.length >= 4 && n.id.toLowerCase().startsWith(lower)));
  if (matches.length === 1) return matches[0]!;
  const byNameCi = matches.length === 0 ? file.nodes.filter((n) => n.name.toLowerCase() === lower) : [];
  if (byNameCi.length === 1) return byNameCi[0]!;
  if (matches.length === 0 && byNameCi.length === 0) throw new EngineError('not-found', `no snapshot named or with id "${ref}"`);
  const all = matches.length > 0 ? matches : byNameCi;
  throw new EngineError('ambiguous', `"${ref}" matches ${all.length} snapshots: ${all.map((n) => `${n.name} (${n.id})`).join(', ')}; use the id`);
}

/** Adds a node as a child of the current one and makes it current. */
export function addSnapshot(file: SnapshotFile, node: Omit<StoredSnapshot, 'parentId'>): SnapshotFile {
  const added: StoredSnapshot = { ...node, parentId: file.currentId };
  return { ...file, nodes: [...file.nodes, added], currentId: added.id };
}

/** Removes a node; its children move to its parent, and "current" moves up when it was this node. */
export function removeSnapshot(file: SnapshotFile, id: string): SnapshotFile {
  const node = file.nodes.find((n) => n.id === id);
  if (!node) return file;
  const nodes = file.nodes.filter((n) => n.id !== id).map((n) => (n.parentId === id ? { ...n, parentId: node.parentId } : n));
  return {
    ...file,
    nodes,
    currentId: file.currentId === id ? node.parentId : file.currentId,
    pendingRamRestore: file.pendingRamRestore === node.tag ? null : file.pendingRamRestore,
  };
}

export function updateSnapshot(file: SnapshotFile, id: string, patch: Partial<Pick<StoredSnapshot, 'name' | 'description'>>): SnapshotFile {
  return { ...file, nodes: file.nodes.map((n) => (n.id === id ? { ...n, ...patch } : n)) };
}

/** One internal snapshot as an image reports it (qemu-img info / query-named-block-nodes). */
export interface ImageSnapshot {
  /** The tag (QEMU calls it name). */
  name: string;
  /** QEMU's numeric id inside the image. */
  id: string;
  vmStateSize: number;
  /** Seconds since the epoch. */
  dateSec: number;
}

/** What each device (format node / image) of the VM holds right now. Devices that could not be read are absent. */
export type ImageSnapshots = ReadonlyMap<string, readonly ImageSnapshot[]>;

export interface Reconciled {
  /** The file with orphans adopted (persist it when `adopted > 0`). */
  file: SnapshotFile;
  tree: SnapshotTree;
  adopted: number;
}

/**
 * Matches the metadata with the images: a tag the images hold without metadata is adopted as an orphan
 * (parent null, name = tag); a node whose tag is absent from one of its devices is flagged `missing`.
 * Devices that are not in `images` (gone from the VM, unreadable) are not held against a node.
 */
export function reconcile(file: SnapshotFile, images: ImageSnapshots, newId: () => string = randomUUID): Reconciled {
  const known = new Set(file.nodes.map((n) => n.tag));
  const found = new Map<string, { devices: string[]; vmStateSize: number; dateSec: number }>();
  for (const [device, snaps] of images) {
    for (const s of snaps) {
      const tag = s.name || s.id;
      // A saved machine state is not a snapshot the user took (saved-state/): never adopt it into the tree.
      if (tag === SAVED_STATE_TAG) continue;
      const f = found.get(tag) ?? { devices: [], vmStateSize: 0, dateSec: s.dateSec };
      // The device holding the RAM state goes first (the convention for `devices`).
      if (s.vmStateSize > 0 && f.vmStateSize === 0) f.devices.unshift(device);
      else f.devices.push(device);
      f.vmStateSize = Math.max(f.vmStateSize, s.vmStateSize);
      f.dateSec = Math.min(f.dateSec, s.dateSec);
      found.set(tag, f);
    }
  }
  const orphans: StoredSnapshot[] = [...found.entries()]
    .filter(([tag]) => !known.has(tag))
    .sort((a, b) => a[1].dateSec - b[1].dateSec)
    .map(([tag, f]) => ({
      id: newId(),
      tag,
      name: tag,
      description: '',
      createdAt: new Date(f.dateSec * 1000).toISOString(),
      parentId: null,
      withRam: f.vmStateSize > 0,
      vmStateSize: f.vmStateSize,
      thumbnail: null,
      devices: f.devices,
      orphan: true,
    }));
  const next: SnapshotFile = orphans.length > 0 ? { ...file, nodes: [...file.nodes, ...orphans] } : file;
  const snapshots = next.nodes.map((n): SnapshotNodeInfo => {
    const missingIn = n.devices.filter((d) => images.has(d) && !images.get(d)!.some((s) => (s.name || s.id) === n.tag));
    const f = found.get(n.tag);
    const info: SnapshotNodeInfo = {
      id: n.id,
      tag: n.tag,
      name: n.name,
      description: n.description,
      createdAt: n.createdAt,
      parentId: n.parentId,
      withRam: n.withRam,
      thumbnail: n.thumbnail,
      devices: [...n.devices],
    };
    const size = f && f.vmStateSize > 0 ? f.vmStateSize : n.vmStateSize;
    if (size !== undefined) info.vmStateSize = size;
    if (missingIn.length > 0) {
      info.missing = true;
      info.missingIn = missingIn;
    }
    if (n.orphan) info.orphan = true;
    return info;
  });
  return { file: next, tree: { snapshots, currentId: next.currentId, pendingRamRestore: next.pendingRamRestore }, adopted: orphans.length };
}

/** The tree without image facts (used when nothing could be read). */
export function treeOf(file: SnapshotFile): SnapshotTree {
  return reconcile(file, new Map()).tree;
}
