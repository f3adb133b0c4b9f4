/** The XMPP driver against a real ejabberd 23.01 (plain c2s; PLAIN login against its external user list). */
import { afterAll, beforeAll, describe } from 'vitest';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithEjabberd, startEjabberd, type Ejabberd } from '../../helpers/ejabberd.js';
import { defineXmppVerbs } from './verbs-suite.js';

describeWithEjabberd('XMPP driver on ejabberd', () => {
  let ejabberd: Ejabberd;
  let dir: string;
  let usersFile: string;
  beforeAll(async () => {
    ejabberd = await startEjabberd({ users: 6 });
    dir = await mkdtemp(join(tmpdir(), 'chatbench-xmpp-'));
    usersFile = join(dir, 'users');
    await writeFile(usersFile, ejabberd.users.map((u) => `${u.username}:${u.password}\n`).join(''));
  }, 60_000);
  afterAll(async () => {
    await ejabberd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('plain TCP, accounts from a file', () => {
    defineXmppVerbs(() => ({
      url: `xmpp://127.0.0.1:${ejabberd.xmppPort}`,
      fields: { accounts: { file: usersFile } },
      resumes: true,
    }));
  });
});
