import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { SHA512_CRYPT_RE, sha512Crypt } from '../../../../src-main/engine/crypt/sha512-crypt.js';

describe('sha512Crypt', () => {
  // The test vectors of Drepper's specification.
  it.each([
    ['Hello world!', 'saltstring', undefined, '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
    ['Hello world!', 'saltstringsaltstring', 10000, '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.'],
    ['This is just a test', 'toolongsaltstring', 5000, '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0'],
    ['we have a short salt string but not a short password', 'short', 77777, '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0'],
    ['a short string', 'asaltof16chars..', 123456, '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1'],
    ['the minimum number is still observed', 'roundstoolow', 10, '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.'],
  ])('matches the spec for %j', (password, salt, rounds, expected) => {
    expect(sha512Crypt(password, { salt, ...(rounds !== undefined ? { rounds } : {}) })).toBe(expected);
  });

  it('matches openssl passwd -6 for quotes, tabs, non-ASCII and long passwords', () => {
    for (const pw of ['p"w\'`$(x)', 'tab\there', 'pässwörd ✓', 'x'.repeat(200)]) {
      const ours = sha512Crypt(pw, { salt: 'Ab3./xyz' });
      expect(ours).toMatch(SHA512_CRYPT_RE);
      expect(execFileSync('openssl', ['passwd', '-6', '-salt', 'Ab3./xyz', '-stdin'], { input: `${pw}\n` }).toString().trim()).toBe(ours);
    }
  });

  it('gives each hash a fresh random salt and refuses a salt crypt(3) cannot store', () => {
    const a = sha512Crypt('x');
    expect(a).toMatch(SHA512_CRYPT_RE);
    expect(sha512Crypt('x')).not.toBe(a);
    expect(() => sha512Crypt('x', { salt: 'a$b' })).toThrow(/salt/);
    expect(() => sha512Crypt('x', { salt: '' })).toThrow(/salt/);
  });
});
