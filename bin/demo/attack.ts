// The attack the demo replays through the system logger: sshd lines as OpenSSH writes them.

/** The whitelisted address: its failures are spared. */
export const FRIEND = '198.51.100.7';

/** One sshd line per entry; each address ends where the comment says (MAX_AFFAIRS 5, TIME_SLICE 60, no DNS). */
export const ATTACK: readonly string[] = [
  // 203.0.113.5: two failed root logins (penalty 4 each) -> custody.
  'Failed password for root from 203.0.113.5 port 50001 ssh2',
  'Failed password for root from 203.0.113.5 port 50002 ssh2',
  // 203.0.113.17: an unknown user, then two passwords in one connection: one attempt, one
  // affair (the Invalid user line of the session adds none) -> 2 affairs, tarpit 2^2 x 60 = 240 s.
  'Invalid user admin from 203.0.113.17 port 41000',
  'Failed password for invalid user admin from 203.0.113.17 port 41000 ssh2',
  'Failed password for invalid user admin from 203.0.113.17 port 41000 ssh2',
  // 198.51.100.23: three failed passwords -> tarpit 2^3 x 60 = 480 s.
  'Failed password for alice from 198.51.100.23 port 40001 ssh2',
  'Failed password for alice from 198.51.100.23 port 40002 ssh2',
  'Failed password for alice from 198.51.100.23 port 40003 ssh2',
  // The whitelisted friend mistyping six times: never blocked.
  ...[1, 2, 3, 4, 5, 6].map((k) => `Failed password for bob from ${FRIEND} port ${51000 + k} ssh2`),
  // A good login: no affair.
  'Accepted password for bob from 198.51.100.7 port 51007 ssh2',
];

/** The syslog tag of the lines (sshd with its pid). */
export const TAG = 'sshd[4242]';
