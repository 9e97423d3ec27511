/** RFB KeyEvent messages for a line of lower-case letters, digits and `-` (one keysym each, no Shift), then Return. */
export function keyEventsForLine(text: string): Buffer[] {
  if (!/^[a-z0-9-]*$/.test(text)) throw new Error(`keyEventsForLine types [a-z0-9-] only: ${text}`);
  const key = (sym: number, down: boolean): Buffer => {
    const b = Buffer.alloc(8);
    b[0] = 4;
    b[1] = down ? 1 : 0;
    b.writeUInt32BE(sym, 4);
    return b;
  };
  const syms = [...text].map((c) => c.charCodeAt(0)).concat(0xff0d);
  return syms.flatMap((s) => [key(s, true), key(s, false)]);
}
