/**
 * `chatbench replay FILE`: re-sends a fuzz finding's bytes (a replay file) to a server and judges
 * them with the same oracle the fuzz used -> exit 1 when the verdict reproduces (or another one
 * appears), 0 when the server now behaves, 2 for a bad file, 3 when the server is unreachable.
 */
import { parseReplay } from '../../core/fuzz/files.js';
import type { CaseOutcome } from '../../core/fuzz/loop.js';
import { ExitCode, InputError } from '../../core/errors.js';
import { replayMqttCase } from '../../runners/mqtt/fuzz/index.js';
import { replayXmppCase } from '../../runners/xmpp/fuzz/index.js';
import { readJsonFile } from '../files.js';
import { defineCommand, quietFlag, type ParsedArgs } from '../flags.js';
import { FUZZ_TARGET_FLAGS, openFuzzTarget, planFuzzTarget } from '../fuzz-target.js';
import type { Output } from '../output.js';

export const replayCommand = defineCommand({
  name: 'replay',
  summary: 'Re-send a fuzz finding (a replay file) and judge the answers as the fuzz did.',
  args: 'FILE',
  maxPositionals: 1,
  flags: [...FUZZ_TARGET_FLAGS, quietFlag('print only the verdict line')],
  notes: [
    'The replay file names its MQTT version; without --target it is sent to the embedded broker',
    '(MQTT 3.1.1 replays only).',
    'Exit codes: 0 the server now behaves; 1 the verdict reproduces (or another one appears);',
    '            2 bad input (flags, replay file); 3 target unreachable.',
  ],
});

export async function runReplay(args: ParsedArgs<typeof replayCommand.flags>, out: Output): Promise<number> {
  const file = args.positionals[0];
  if (file === undefined) throw new InputError('a replay file is needed: chatbench replay FILE [--target URL]');
  const replay = parseReplay(await readJsonFile(file, 'replay file'), file);
  if (replay.protocol !== 'mqtt' && replay.protocol !== 'xmpp') throw new InputError(`replay file ${file} is for protocol "${replay.protocol}"; chatbench replays MQTT and XMPP`);
  const plan = planFuzzTarget({ ...args.values, version: undefined }, replay.protocolVersion);
  if ((plan.xmpp !== undefined) !== (replay.protocol === 'xmpp')) throw new InputError(`replay file ${file} is an ${replay.protocol.toUpperCase()} replay: give an ${replay.protocol === 'xmpp' ? 'xmpp:// or xmpps://' : 'MQTT'} --target`);

  const server = await openFuzzTarget(plan);
  let outcome: CaseOutcome;
  try {
    if (args.values.quiet !== true) {
      out.err(`chatbench replay: ${file} (${replay.steps.length} steps, ${replay.protocol === 'xmpp' ? 'XMPP' : 'MQTT'} ${replay.protocolVersion}) -> ${server.info.embedded ? `embedded broker at ${server.info.url}` : server.info.url}`);
      out.err(`  recorded: ${replay.verdict.kind}: ${replay.verdict.message}`);
    }
    outcome = server.protocol === 'xmpp' ? await replayXmppCase(replay.steps, server.options) : await replayMqttCase(replay.steps, server.options);
  } finally {
    await server.close();
  }
  const now = outcome.verdict;
  if (now === null) {
    out.err(`BEHAVES: the server now passes every check of this replay (was ${replay.verdict.kind}; fingerprint ${replay.fingerprint})`);
    return ExitCode.ok;
  }
  const ids = now.statements.length > 0 ? ` [${now.statements.join(', ')}]` : '';
  out.err(`${now.kind === replay.verdict.kind ? 'REPRODUCED' : `DIFFERENT (recorded ${replay.verdict.kind})`}: ${now.kind}: ${now.message}${ids}`);
  if (args.values.quiet !== true) for (const r of outcome.received) out.err(`  received on connection ${r.connection}: ${spaced(r.hex)}`);
  return ExitCode.checkFailed;
}

function spaced(hex: string): string {
  return hex.replace(/(..)(?!$)/g, '$1 ');
}
