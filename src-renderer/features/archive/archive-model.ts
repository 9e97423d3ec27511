/** Joins a chosen folder and a file name with the folder's own separator (a Windows folder keeps backslashes). */
export function joinPath(folder: string, file: string): string {
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return folder.endsWith(sep) ? `${folder}${file}` : `${folder}${sep}${file}`;
}

/** The archive name offered for a machine: its name without characters file systems refuse, plus `.tar.gz`. */
export function defaultArchiveName(vmName: string): string {
  const safe = vmName.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim() || 'machine';
  return `${safe}.tar.gz`;
}

/** Why a file name cannot be an archive name, or null. */
export function archiveNameError(name: string): string | null {
  const n = name.trim();
  if (n === '') return 'Enter a file name';
  if (/[\\/]/.test(n)) return 'A file name, without folders';
  if (!/\.(tar\.gz|tgz|tar)$/i.test(n)) return 'End it with .tar.gz (compressed) or .tar';
  return null;
}
