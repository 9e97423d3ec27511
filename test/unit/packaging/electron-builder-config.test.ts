// electron-builder.yml against electron-builder's own JSON schema (app-builder-lib/scheme.json), and what
// issue 11 asks of it: targets, fuses, file associations, asar, the packaged `hangar` command.
import { describe, expect, it } from 'vitest';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';

const require = createRequire(import.meta.url);
// js-yaml ships no types; electron-builder reads its YAML with it too.
const yaml = require('js-yaml') as { load(text: string): unknown };
const root = join(import.meta.dirname, '..', '..', '..');

type Json = Record<string, unknown>;
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Json;
const section = (name: string) => config[name] as Json;

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s schema', () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check would catch a mistake', () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate({ ...config, electronFuses: { runAsNod: false } })).toBe(false);
    expect(validate({ ...config, linux: { ...section('linux'), target: 42 } })).toBe(false);
  });

  it('app id, product name, icons from assets/', () => {
    expect(config['appId']).toBe('dev.hangar.app');
    expect(config['productName']).toBe('Hangar');
    for (const icon of [config['icon'], section('linux')['icon'], section('mac')['icon'], section('win')['icon']]) {
      expect(icon).toMatch(/^assets\//);
      expect(existsSync(join(root, icon as string))).toBe(true);
    }
    expect((section('directories'))['buildResources']).toBe('assets');
  });

  it('targets: Linux AppImage, deb and rpm; macOS dmg; Windows nsis', () => {
    expect(section('linux')['target']).toEqual(['AppImage', 'deb', 'rpm']);
    expect(section('mac')['target']).toBe('dmg');
    expect(section('win')['target']).toBe('nsis');
  });

  it('fuses: no RunAsNode, NODE_OPTIONS or --inspect; asar integrity and app-from-asar only', () => {
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('file associations: .hangar bundles (Editor, a package) and .iso (Viewer: "Create VM from this ISO")', () => {
    const assoc = config['fileAssociations'] as Json[];
    expect(assoc.find((a) => a['ext'] === 'hangar')).toMatchObject({ role: 'Editor', rank: 'Owner', isPackage: true, mimeType: 'application/x-hangar-vm' });
    expect(assoc.find((a) => a['ext'] === 'iso')).toMatchObject({ role: 'Viewer', rank: 'Alternate', mimeType: 'application/x-iso9660-image' });
    expect(section('linux')['mimeTypes']).toEqual(expect.arrayContaining(['application/x-hangar-vm', 'application/x-iso9660-image']));
  });

  it('asar with the build output: the main entry, engine, CLI and serve bundles are all packaged', () => {
    expect(config['asar']).toBe(true);
    expect(config['files']).toContain('out/**');
    expect(config['files']).toContain('package.json');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('out/main/main.js');
    // Nothing runs outside the asar: the engine is a utility process, QEMU reads no file from the package.
    expect(config['asarUnpack']).toEqual([]);
  });

  it('the packaged `hangar` command: a launcher in resources/bin that runs the app binary with --cli', () => {
    expect(config['extraResources']).toEqual([{ from: 'assets/cli', to: 'bin', filter: ['hangar', 'hangar.cmd'] }]);
    const launcher = join(root, 'assets/cli/hangar');
    accessSync(launcher, constants.X_OK);
    const text = readFileSync(launcher, 'utf8');
    const linuxExe = section('linux')['executableName'] as string;
    expect(linuxExe).not.toBe('hangar');
    expect(text).toContain(`$res/../${linuxExe}`);
    expect(text).toContain(`$res/../MacOS/${config['productName'] as string}`);
    expect(text).toContain('--cli "$@"');
    expect(readFileSync(join(root, 'assets/cli/hangar.cmd'), 'utf8')).toContain(`${config['productName'] as string}.exe" --cli %*`);
    for (const target of ['deb', 'rpm']) {
      const t = section(target);
      expect(existsSync(join(root, t['afterInstall'] as string))).toBe(true);
      expect(readFileSync(join(root, t['afterInstall'] as string), 'utf8')).toContain("resources/bin/hangar' '/usr/bin/hangar'");
      expect(existsSync(join(root, t['afterRemove'] as string))).toBe(true);
    }
  });

  it('deb and rpm depend on QEMU, qemu-img and OVMF', () => {
    expect(section('deb')['depends']).toEqual(['qemu-system-x86', 'qemu-utils', 'ovmf']);
    expect(section('rpm')['depends']).toEqual(['qemu-system-x86', 'qemu-img', 'edk2-ovmf']);
  });
});
