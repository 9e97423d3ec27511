import { afterEach, describe, expect, it } from 'vitest';
import { QKEY_CODES } from '../../../../src-main/engine/qmp/qcodes.js';
import { QmpClient } from '../../../../src-main/engine/qmp/qmp-client.js';
import { QmpKeyError } from '../../../../src-main/engine/qmp/qmp-errors.js';
import { parseKeyCombo, sendKeyCombo, textToKeySequence, typeText } from '../../../../src-main/engine/qmp/qmp-keys.js';
import { FakeQmpPeer } from '../../../fakes/fake-qmp-peer.js';

const clients: QmpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('parseKeyCombo', () => {
  it.each([
    ['ctrl-alt-delete', ['ctrl', 'alt', 'delete']],
    ['Ctrl+Alt+F1', ['ctrl', 'alt', 'f1']],
    ['alt-tab', ['alt', 'tab']],
    ['print', ['print']],
    ['sysrq', ['sysrq']],
    ['shift-a', ['shift', 'a']],
    ['ctrl-alt-del', ['ctrl', 'alt', 'delete']],
    ['super', ['meta_l']],
    ['ctrl--', ['ctrl', 'minus']],
    ['ctrl+;', ['ctrl', 'semicolon']],
    ['kp_enter', ['kp_enter']],
    [' Enter ', ['ret']],
  ])('%s → %j', (combo, chord) => {
    expect(parseKeyCombo(combo)).toEqual(chord);
  });

  it.each(['', 'ctrl-', 'ctrl-alt-nosuchkey', 'hyper', 'ctrl-ctrl', 'ctrl-é'])('rejects %j with QmpKeyError', (combo) => {
    expect(() => parseKeyCombo(combo)).toThrow(QmpKeyError);
  });

  it('has the 7.2 qcode table', () => {
    expect(QKEY_CODES).toHaveLength(new Set(QKEY_CODES).size);
    expect(QKEY_CODES).toEqual(expect.arrayContaining(['ctrl', 'alt', 'delete', 'f12', 'sysrq', 'print', 'meta_l', 'lang2']));
  });
});

describe('textToKeySequence', () => {
  it('maps US-layout characters, using shift for uppercase and symbols', () => {
    expect(textToKeySequence('aZ1!')).toEqual([['a'], ['shift', 'z'], ['1'], ['shift', '1']]);
    expect(textToKeySequence('a b\tc\n')).toEqual([['a'], ['spc'], ['b'], ['tab'], ['c'], ['ret']]);
    expect(textToKeySequence('x\r\ny\r')).toEqual([['x'], ['ret'], ['y'], ['ret']]);
    expect(textToKeySequence('~_+{}|:"<>?')).toEqual(
      ['grave_accent', 'minus', 'equal', 'bracket_left', 'bracket_right', 'backslash', 'semicolon', 'apostrophe', 'comma', 'dot', 'slash'].map((k) => ['shift', k]),
    );
    expect(textToKeySequence("-=[];',./\\`")).toEqual(
      ['minus', 'equal', 'bracket_left', 'bracket_right', 'semicolon', 'apostrophe', 'comma', 'dot', 'slash', 'backslash', 'grave_accent'].map((k) => [k]),
    );
  });

  it('covers every printable ASCII character', () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
    expect(textToKeySequence(printable)).toHaveLength(95);
  });

  it('names the untypable character and its position', () => {
    expect(() => textToKeySequence('ok é')).toThrow(/"é" \(U\+00E9\) at position 3/);
    expect(() => textToKeySequence('🚀')).toThrow(QmpKeyError);
  });
});

describe('sending keys', () => {
  async function connected(): Promise<{ client: QmpClient; peer: FakeQmpPeer }> {
    const peer = new FakeQmpPeer();
    peer.handle('send-key', () => ({ return: {} }));
    const client = new QmpClient();
    clients.push(client);
    await client.connect(peer.clientStream);
    return { client, peer };
  }

  it('sends a combo as one send-key', async () => {
    const { client, peer } = await connected();
    await sendKeyCombo(client, 'ctrl-alt-delete', { holdTimeMs: 50 });
    expect(peer.received.at(-1)?.arguments).toEqual({
      keys: [{ type: 'qcode', data: 'ctrl' }, { type: 'qcode', data: 'alt' }, { type: 'qcode', data: 'delete' }],
      'hold-time': 50,
    });
  });

  it('types text one send-key per character, and nothing when the text is untypable', async () => {
    const { client, peer } = await connected();
    await typeText(client, 'Hi\n', { delayMs: 1 });
    const sent = peer.received.filter((c) => c.execute === 'send-key').map((c) => (c.arguments?.keys as { data: string }[]).map((k) => k.data));
    expect(sent).toEqual([['shift', 'h'], ['i'], ['ret']]);
    await expect(typeText(client, 'abc€')).rejects.toBeInstanceOf(QmpKeyError);
    expect(peer.received.filter((c) => c.execute === 'send-key')).toHaveLength(3);
  });
});
