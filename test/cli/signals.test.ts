/**
 * Ctrl-C during a run: the first stops after the drain; a second while measuring quits at once
 * (exit 3) saying what stays on disk; once measuring has finished, no signal quits before the
 * result files are written. (The process-level path is in cli.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Interrupts } from '../../cli/signals.js';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function interrupts(): { said: string[]; interrupts: Interrupts } {
  const said: string[] = [];
  const created = new Interrupts({
    say: (line) => said.push(line),
    leftBehind: () => 'the last checkpoint stays in r.json',
    exit: (code) => { throw new Exit(code); },
  });
  return { said, interrupts: created };
}

describe('Interrupts', () => {
  it('first signal aborts the run, a second while measuring quits at once with exit 3', () => {
    const { said, interrupts: i } = interrupts();
    i.receive('SIGINT');
    expect(i.signal.aborted).toBe(true);
    expect(i.signal.reason).toBe('SIGINT');
    expect(said).toEqual(['\nreceived SIGINT: stopping after the drain, keeping what was measured (again to quit at once)']);
    expect(() => i.receive('SIGINT')).toThrow(new Exit(3));
    expect(said[1]).toBe('received SIGINT again: quitting now; the last checkpoint stays in r.json');
  });

  it('once measuring has finished, any signal only says it will quit after the files are written', () => {
    const { said, interrupts: i } = interrupts();
    i.receive('SIGTERM');
    i.measuringFinished();
    i.receive('SIGINT');
    i.receive('SIGINT');
    expect(said.slice(1)).toEqual([
      'received SIGINT: measuring has finished; quitting once the result files are written',
      'received SIGINT: measuring has finished; quitting once the result files are written',
    ]);
  });
});
