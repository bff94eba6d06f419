// bench/corpus.ts groups the lines a rule set misses by message shape: the header and the
// variable parts (addresses, numbers, quoted client text) must not split one shape in two.
import { describe, expect, it } from 'vitest';
import { shapeOf } from '../../bench/shapes.js';

describe('shapeOf', () => {
  it.each([
    ['Nov 28 09:16:05 srv sshd[32310]: Connection closed by 192.0.2.111 [preauth]', 'Connection closed by ADDR [preauth]'],
    ['srv sshd[2364]: Received disconnect from 198.51.100.76 port 58846:11: Bye Bye [preauth]', 'Received disconnect from ADDR port N:N: Bye Bye [preauth]'],
    ['Jan 14 16:18:16 xxx postfix/smtpd[14933]: warning: host[192.0.2.5]: SASL CRAM-MD5 authentication failed', 'warning: host[ADDR]: SASL CRAM-MD5 authentication failed'],
    ['@400000004c91b044077a9e94 dovecot-auth: pam_unix(dovecot:auth): authentication failure; rhost=2001:db8::1', 'pam_unix(dovecot:auth): authentication failure; rhost=ADDR'],
    ["Mar 24 15:25:51 buffalo1 dropbear[4092]: Bad password attempt for 'admin' from ::ffff:198.51.100.88:5543", "Bad password attempt for 'X' from ADDR:N"],
    ['Feb 25 14:34:11 belka sshd[31603]: Failed password for invalid user ROOT from aaaa:bbbb:cccc:1234::1:1 port 22 ssh2', 'Failed password for invalid user ROOT from ADDR port'], // nine words,
  ])('%s', (line, shape) => {
    expect(shapeOf(line)).toBe(shape);
  });
});
