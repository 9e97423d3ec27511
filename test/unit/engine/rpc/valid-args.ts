import type { CommandArgs, CommandName } from '../../../../src-shared/contract/index.js';

/**
 * One valid argument object per contract command (the fuzzer mutates these). Partial on purpose:
 * a new command makes the "every command has a sample" test fail with its name, not the type check.
 */
export const validArgs: Partial<{ [K in CommandName]: CommandArgs<K> }> = {
  'engine.hello': { client: 'test' },
  'host.info': {},
  'library.list': {},
  'vm.create': { name: 'fuzz vm', iso: '/nonexistent/hangar-fuzz.iso', memoryMiB: 64, cpus: 1, osId: 'linux', firmware: 'bios', arch: 'x86_64' },
  'vm.previewArgv': { name: 'fuzz vm', iso: '/nonexistent/hangar-fuzz.iso', memoryMiB: 64, cpus: 1, osId: 'linux', firmware: 'bios', arch: 'x86_64', folder: '/nonexistent/folder' },
  'vm.get': { vm: 'some-vm' },
  'vm.update': { vm: 'some-vm', patch: { memoryMiB: 128 } },
  'vm.rename': { vm: 'some-vm', name: 'other name' },
  'vm.delete': { vm: 'some-vm', files: false },
  'vm.clone': { vm: 'some-vm', name: 'fuzz clone', linked: true, jobId: 'job-clone' },
  'vm.tags.set': { vm: 'some-vm', tags: ['web', 'lab'] },
  'vm.addExisting': { path: '/nonexistent/bundle.hangar' },
  'vm.argv': { vm: 'some-vm' },
  'vm.start': { vm: 'some-vm' },
  'vm.pause': { vm: 'some-vm' },
  'vm.resume': { vm: 'some-vm' },
  'vm.reset': { vm: 'some-vm' },
  'vm.shutdown': { vm: 'some-vm', timeoutMs: 1000 },
  'vm.forceOff': { vm: 'some-vm' },
  'vm.saveState': { vm: 'some-vm' },
  'vm.discardState': { vm: 'some-vm' },
  'vm.screenshot': { vm: 'some-vm' },
  'vm.sendKey': { vm: 'some-vm', combo: 'ctrl-alt-delete' },
  'vm.typeText': { vm: 'some-vm', text: 'hello' },
  'vm.console.attach': { vm: 'some-vm', tailBytes: 0 },
  'vm.console.detach': { vm: 'some-vm' },
  'vm.console.write': { vm: 'some-vm', data: 'ls\n' },
  'vm.logs': { vm: 'some-vm', kind: 'qemu', maxBytes: 4096 },
  'fs.roots': {},
  'fs.list': { dir: '/nonexistent/folder' },
  'vm.displaySocket': { vm: 'some-vm' },
  'vm.thumbnails.subscribe': {},
  'vm.thumbnails.unsubscribe': {},
  'vm.thumbnail': { vm: 'some-vm' },
  'iso.inspect': { path: '/nonexistent/hangar-fuzz.iso' },
  'media.insert': { vm: 'some-vm', drive: 'cd0', path: '/nonexistent/hangar-fuzz.iso', force: false },
  'media.eject': { vm: 'some-vm', drive: 'cd0', force: true },
  'media.recent': {},
  'install.finish': { vm: 'some-vm' },
  'snapshot.list': { vm: 'some-vm' },
  'snapshot.take': { vm: 'some-vm', name: 'before upgrade', description: 'clean install', withRam: true },
  'snapshot.restore': { vm: 'some-vm', snapshot: 'before upgrade' },
  'snapshot.delete': { vm: 'some-vm', snapshot: 'before upgrade' },
  'snapshot.rename': { vm: 'some-vm', snapshot: 'before upgrade', name: 'after upgrade' },
  'snapshot.thumbnail': { vm: 'some-vm', snapshot: 'before upgrade' },
  'disk.add': { vm: 'some-vm', sizeGiB: 1, bus: 'virtio' },
  'disk.remove': { vm: 'some-vm', disk: 'disk1', deleteFile: false },
  'disk.resize': { vm: 'some-vm', disk: 'disk0', sizeGiB: 2 },
  'disk.convert': { vm: 'some-vm', disk: 'disk0', deleteOld: false, jobId: 'job-1' },
  'disk.compact': { vm: 'some-vm', disk: 'disk0' },
  'disk.info': { vm: 'some-vm', disk: 'disk0' },
  'job.cancel': { jobId: 'job-1' },
  'vm.export': { vm: 'some-vm', path: '/nonexistent/hangar-fuzz-export.tar.gz', jobId: 'job-2' },
  'vm.import': { path: '/nonexistent/hangar-fuzz-import.tar.gz', name: 'imported' },
  'vm.stats.subscribe': {},
  'vm.stats.unsubscribe': {},
  'forward.list': { vm: 'some-vm' },
  'forward.add': { vm: 'some-vm', protocol: 'tcp', hostPort: 8022, guestPort: 22, hostAddress: '127.0.0.1' },
  'forward.remove': { vm: 'some-vm', protocol: 'tcp', hostPort: 8022 },
  'connection.list': {},
  'connection.add': { name: 'lab', uri: 'qemu+ssh://root@lab.example/system' },
  'connection.remove': { name: 'lab' },
  'connection.rename': { name: 'lab', newName: 'lab2' },
  'connection.test': { name: 'lab' },
  'usb.host.list': {},
  'usb.list': { vm: 'some-vm' },
  'usb.attach': { vm: 'some-vm', device: '046d:c52b' },
  'usb.detach': { vm: 'some-vm', id: 'usb0' },
  'usb.rule.add': { vm: 'some-vm', device: '046d:c52b' },
  'usb.rule.remove': { vm: 'some-vm', device: '1-2.3' },
};

/** The sample for `command`; commands without one get `{ vm }` (see the "every command has a sample" test). */
export function sampleArgs(command: CommandName): Record<string, unknown> {
  return (validArgs[command] as Record<string, unknown> | undefined) ?? { vm: 'some-vm' };
}

export function commandsWithoutSample(commands: ReadonlyArray<CommandName>): CommandName[] {
  return commands.filter((c) => !validArgs[c]);
}
