// What a set can hold: the limits of ipset's hash:net and hash:ip, kept by every backend, so an
// entry the kernel would refuse is refused before a load, never in the middle of one.
import type { Net } from '../net/address.js';
import type { SetInfo } from './types.js';

/** The longest timeout a set entry takes (ipset: 0..2147483 seconds). */
export const MAX_TIMEOUT = 2_147_483;

/** The widest IPv6 network a set of single addresses (tarpit) takes: IPV6_PREFIX's least value. */
export const MIN_V6_PREFIX = 32;

/** The longest comment a set entry takes, in bytes (ipset: 255). */
export const MAX_COMMENT = 255;

// Control characters, backslash (ipset's escape) and the double quote (ipset refuses it).
// eslint-disable-next-line no-control-regex
const BAD_COMMENT = /[\x00-\x1f\x7f\\"]/;

/**
 * Why no set takes this network, or undefined. A /0 is every address of its family: ipset's
 * hash:net refuses it (`0.0.0.0/0`, `::/0`, also `::ffff:0.0.0.0/96`), and neither a DROP nor
 * the whitelist of every address is something an administrator means by one line.
 */
export function netRefusal(net: Net): string | undefined {
  if (net.prefix === 0) return `'${net.text}' is a /0 network (every ${net.family === 4 ? 'IPv4' : 'IPv6'} address): refused (ipset cannot hold it; write ${net.family === 4 ? '0.0.0.0/1 and 128.0.0.0/1' : '::/1 and 8000::/1'} if you mean it)`;
  return undefined;
}

/**
 * Why the set `info` cannot take this entry, or undefined: a /0, an IPv4 network, an IPv6
 * network wider than /32 or the unspecified address (0.0.0.0, ::) in a set of single addresses
 * (tarpit: ipset would add a network's every address, and refuses the null one), a timeout where the set has none or beyond
 * MAX_TIMEOUT, a comment over MAX_COMMENT bytes or with a control character, \ or ".
 */
export function entryRefusal(info: SetInfo, net: Net, timeout?: number, comment?: string): string | undefined {
  const whole = netRefusal(net);
  if (whole) return whole;
  if (info.kind === 'ip') {
    // IPv6: the network of an attacker (IPV6_PREFIX, at least /32) is one entry too.
    if (net.family === 4 ? net.prefix !== 32 : net.prefix < MIN_V6_PREFIX) return `set ${info.name} takes single addresses${net.family === 6 ? ` and IPv6 networks of /${MIN_V6_PREFIX} or longer` : ''}, not '${net.text}'`;
    if (net.base === 0 || net.base === 0n) return `set ${info.name} cannot hold the unspecified address ${net.text}`;
  }
  if (timeout !== undefined) {
    if (!info.timeout) return `set ${info.name} has no timeouts`;
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > MAX_TIMEOUT) return `timeout '${timeout}' is not a number of seconds (0..${MAX_TIMEOUT})`;
  }
  if (comment !== undefined && (BAD_COMMENT.test(comment) || Buffer.byteLength(comment) > MAX_COMMENT)) {
    return `comment must be at most ${MAX_COMMENT} bytes of printable text without \\ or "`;
  }
  return undefined;
}

/**
 * The add lines of entries already checked, each ending in a newline: `head` (`add <set> `)
 * before each address or network, and its comment where it has one. A Loadfile's lines and
 * ipset's restore lines have this form alike.
 */
export function addLines(head: string, nets: readonly string[], comments: readonly (string | undefined)[] | undefined): string {
  if (!comments) return `${head}${nets.join(`\n${head}`)}\n`;
  let out = '';
  for (let i = 0; i < nets.length; i++) out += comments[i] === undefined ? `${head}${nets[i]}\n` : `${head}${nets[i]} comment "${comments[i]}"\n`;
  return out;
}
