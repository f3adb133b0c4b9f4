/**
 * --start for a protocol whose runner is not registered (this file imports no runner: the
 * registry is empty) is refused before anything starts, with the reason — as `--start prosody`
 * was before runners/xmpp/ existed.
 */
import { expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { checkStartRequest } from '../../runners/local/index.js';

it('a protocol with no runner: exit 2 saying there is none', () => {
  expect(() => checkStartRequest('prosody', undefined)).toThrow(InputError);
  expect(() => checkStartRequest('prosody', undefined)).toThrow('prosody over xmpp: this chatbench has no xmpp runner (no xmpp:// target is registered), so it cannot run against it yet');
});
