import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { QmpFramer, encodeCommand, type FramedItem } from '../../../../src-main/engine/qmp/framing.js';

function messages(items: FramedItem[]): unknown[] {
  return items.filter((i) => i.kind === 'message').map((i) => (i.kind === 'message' ? i.message : undefined));
}

describe('QmpFramer', () => {
  it('splits on \\r\\n and \\n and skips blank lines', () => {
    const framer = new QmpFramer();
    const items = framer.feed(Buffer.from('{"a":1}\r\n\r\n{"b":2}\n  \n{"c":'));
    expect(messages(items)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(messages(framer.feed(Buffer.from('3}\n')))).toEqual([{ c: 3 }]);
  });

  it('reassembles a message split inside a multi-byte UTF-8 character', () => {
    const line = Buffer.from('{"return":"häßlich 🚀 ok"}\n', 'utf8');
    const rocket = line.indexOf(0xf0); // first byte of the 4-byte emoji
    const framer = new QmpFramer();
    const items = [
      ...framer.feed(line.subarray(0, rocket + 1)),
      ...framer.feed(line.subarray(rocket + 1, rocket + 3)),
      ...framer.feed(line.subarray(rocket + 3)),
    ];
    expect(messages(items)).toEqual([{ return: 'häßlich 🚀 ok' }]);
  });

  it('gives the same messages however the bytes are chunked', () => {
    const objects = [{ event: 'STOP', data: {} }, { return: 'ünïcödé ✓ 😀' }, { id: 'x', return: [1, 2, { a: null }] }];
    const bytes = Buffer.concat(objects.map((o, i) => Buffer.from(JSON.stringify(o) + (i % 2 ? '\r\n' : '\n'))));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (cuts) => {
        const framer = new QmpFramer();
        const items: FramedItem[] = [];
        let start = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          items.push(...framer.feed(bytes.subarray(start, cut)));
          start = cut;
        }
        items.push(...framer.feed(bytes.subarray(start)));
        expect(messages(items)).toEqual(objects);
      }),
    );
  });

  it('reports a garbage line as a parse-error item and keeps going', () => {
    const framer = new QmpFramer();
    const items = framer.feed(Buffer.from('{"a":1}\nnot json at all\n[1,2]\n{"b":2}\n'));
    expect(items.map((i) => i.kind)).toEqual(['message', 'parse-error', 'parse-error', 'message']);
    const garbage = items[1];
    expect(garbage?.kind === 'parse-error' && garbage.excerpt).toBe('not json at all');
    expect(items[2]?.kind === 'parse-error' && items[2].error).toMatch(/not a JSON object/);
  });

  it('caps line length, reports it once, and resumes after the next newline', () => {
    const framer = new QmpFramer({ maxLineBytes: 16 });
    const items = [
      ...framer.feed(Buffer.from('{"x":"0123456789')),
      ...framer.feed(Buffer.from('abcdefghij')),
      ...framer.feed(Buffer.from('more"}\n{"ok":true}\n')),
    ];
    expect(items.map((i) => i.kind)).toEqual(['line-too-long', 'message']);
    expect(items[0]?.kind === 'line-too-long' && items[0].error).toMatch(/exceeds 16 bytes/);
    expect(messages(items)).toEqual([{ ok: true }]);
  });

  it('reports a partial line left at end of stream', () => {
    const framer = new QmpFramer();
    framer.feed(Buffer.from('{"a":1}\n{"trunc'));
    expect(framer.end().map((i) => i.kind)).toEqual(['parse-error']);
    expect(new QmpFramer().end()).toEqual([]);
  });

  it('encodes a command as one JSON line', () => {
    const buf = encodeCommand({ execute: 'screendump', arguments: { filename: '/tmp/ä.png' }, id: 'hangar-1' });
    expect(buf.toString('utf8')).toBe('{"execute":"screendump","arguments":{"filename":"/tmp/ä.png"},"id":"hangar-1"}\n');
    expect(buf.indexOf(0x0a)).toBe(buf.length - 1);
  });
});
