/**
 * The scenario file's digest (sha256 of its bytes), recorded in every run result so that
 * shards and workers of one run can be shown to have read the same file.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenarioText } from '../../core/scenario/index.js';

const dir = mkdtempSync(join(tmpdir(), 'chatbench-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEXT = 'scenarios:\n  - name: a\n    users: 2\n    rooms: { count: 1, members: 2 }\n';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('scenario file digest', () => {
  it('is the sha256 of the file\'s bytes, and changes with any byte (a comment too)', async () => {
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    // A byte-order mark and a comment: the digest covers the bytes as read, not the meaning.
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]);
    writeFileSync(a, bytes);
    writeFileSync(b, `${TEXT}# a comment\n`);
    const fileA = await loadScenarioFile(a);
    const fileB = await loadScenarioFile(b);
    expect(fileA.digest).toBe(sha256(bytes));
    expect(fileB.digest).toBe(sha256(`${TEXT}# a comment\n`));
    expect(fileA.digest).not.toBe(fileB.digest);
    expect(fileA.scenarios).toEqual(fileB.scenarios);
  });

  it('of inline text is the sha256 of its UTF-8', () => {
    const text = `${TEXT}    description: "café"\n`;
    expect(parseScenarioText(text, '<inline>').digest).toBe(sha256(Buffer.from(text, 'utf8')));
  });
});
