// master/Whitelist reaches the running modules: their whitelist guard spares a newly whitelisted address at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeService, prepareService, startService } from '../helpers/sandbox.js';
import { makeSandbox, type Sandbox } from '../modules/WatchLG/sandbox.js';
import { BACKENDS } from '../helpers/backends.js';

const H = 'Nov  1 00:00:00 vmd28527';
const ATTACKER = '203.0.113.70';
const FRIEND = '203.0.113.71';
const CANARY = '203.0.113.72';
const FRIEND6 = '2001:db8:71::1';

describe.each(BACKENDS)('Whitelist with a running WatchLG (%s)', (backend) => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await makeSandbox('TRACE=\nGEOTRACK=\nDNS_SERVER=off\nSESSION_WAIT=1', { backend });
    await prepareService(sb, 'WatchLG', { watcher: 'STOP_GRACE=5\n', loader: '' });
    await startService(sb, 'WatchLG');
  });
  afterAll(() => closeService(sb));

  it('after Whitelist adds an address, a line for it creates no row and no tarpit entry', async () => {
    sb.feed([`${H} sshd[1]: Invalid user admin from ${ATTACKER} port 22`]);
    await sb.waitFor('the affair of an address not whitelisted', () => sb.row(ATTACKER));
    // The firewall's change follows the row's commit.
    await sb.waitFor('the address in tarpit', async () => (await sb.members('tarpit')).has(ATTACKER));

    const pid = Number(readFileSync(join(sb.inst.runDir, 'WatchLG.pid'), 'utf8'));
    sb.inst.write('whitelist', `${FRIEND} # a partner\n${CANARY}\n${FRIEND6} # the partner's IPv6\n`);
    const w = await sb.run('master/Whitelist');
    expect(w.exitCode, w.stderr).toBe(0);
    expect(w.stdout).toBe(`Set whitelist: 3 entries\nWhitelist changed: WatchLG (pid ${pid}) reread it (SIGHUP)`);
    await sb.waitFor('the reload in the log', () => /reloaded \(HUP\)/.test(sb.log()));
    // The module rereads the whitelist just after that log line: wait until a canary is spared.
    const spared = sb.status()!.spared as number;
    await sb.waitFor('the canary spared', async () => {
      sb.feed([`${H} sshd[9]: Invalid user probe from ${CANARY} port 22`]);
      await new Promise((r) => setTimeout(r, 300));
      return (sb.status()!.spared as number) > spared;
    });

    const lines = sb.status()!.lines as number;
    const sparedBefore = sb.status()!.spared as number;
    sb.feed([`${H} sshd[2]: Invalid user admin from ${FRIEND} port 22`, `${H} sshd[3]: Failed password for root from ${FRIEND} port 22 ssh2`,
      `${H} sshd[4]: Failed password for root from ${FRIEND6} port 22 ssh2`]);
    await sb.waitFor('the three lines read', () => (sb.status()!.lines as number) >= lines + 3);
    await sb.waitFor('the three lines spared', () => (sb.status()!.spared as number) === sparedBefore + 3);
    for (const a of [FRIEND, FRIEND6]) {
      expect(sb.row(a), a).toBeUndefined();
      expect((await sb.members('tarpit')).has(a), a).toBe(false);
      expect((await sb.members('custody')).has(a), a).toBe(false);
    }

    // Unchanged whitelist: nobody is disturbed.
    const again = await sb.run('master/Whitelist');
    expect(again.stdout).toBe('Set whitelist: 3 entries');
    // FillFW (and watcher start/reload) tell the modules too when the whitelist set changed.
    sb.inst.write('whitelist', `${FRIEND}\n${CANARY}\n${FRIEND6}\n203.0.113.73\n`);
    const fill = await sb.run('master/FillFW');
    expect(fill.stdout).toContain(`Whitelist changed: WatchLG (pid ${pid}) reread it (SIGHUP)`);
    expect((await sb.run('master/FillFW')).stdout).not.toContain('Whitelist changed');
  });
});
