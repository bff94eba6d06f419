// The shipped -sample files are valid as they are.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseList } from '../../master/lib/pool/lists.js';
import { loadSettings } from '../../master/lib/core/settings.js';
import { WATCHER_KEYS } from '../../common.conf.js';
import { REPO } from '../helpers/install.js';

describe('sample files', () => {
  it.each(['blacklist-sample', 'whitelist-sample'])('%s parses without a problem', (name) => {
    const file = join(REPO, name);
    const list = parseList(readFileSync(file, 'utf8'), file);
    expect(list.problems).toEqual([]);
    expect(list.nets.length).toBeGreaterThan(2);
  });

  it('watcher.conf-sample loads and keeps the defaults', () => {
    const conf = loadSettings(WATCHER_KEYS, [join(REPO, 'watcher.conf-sample')], { env: {}, fixed: { MASTER_PATH: REPO } });
    expect(conf.FIREWALL).toBe('iptables');
    expect(conf.MODULES).toEqual(['WatchLG', 'WatchMX', 'WatchWB', 'GeoTrack']);
    expect(conf.STOP_GRACE).toBe(5);
  });
});
