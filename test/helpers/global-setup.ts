import { execFileSync } from 'node:child_process';

/** Integration tests need QEMU: fail loudly (never skip) when it is missing. */
export default function setup(): void {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'pipe' });
    execFileSync('qemu-img', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('qemu-system-x86_64 and qemu-img are required for integration tests: run `npm run setup` first');
  }
}
