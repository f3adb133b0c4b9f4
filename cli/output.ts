/**
 * Where the CLI writes: human text to stderr, machine output to stdout. Whether to colour is
 * decided once, here, for every command and report.
 */
export interface Output {
  out(text: string): void;
  /** One line of human text on stderr (a newline is added). */
  err(line: string): void;
  /** Raw text on stderr, no newline added: the in-place status line on a terminal. */
  errRaw(text: string): void;
  color: boolean;
  /** stderr is a terminal: a status line can be rewritten in place. */
  interactive: boolean;
  /** The terminal's width, when stderr is one. */
  columns: number | undefined;
}

/**
 * The one colour decision, as Node's own tty.hasColors() makes it: FORCE_COLOR set to
 * anything but "0"/"false" forces colour, "0"/"false" forbids it (it wins over NO_COLOR, the
 * more specific wish); else a non-empty NO_COLOR (no-color.org) turns colour off; else colour
 * exactly when stderr is a terminal.
 */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return isTTY;
}

export function processOutput(): Output {
  const tty = process.stderr.isTTY === true;
  return {
    out: (text) => process.stdout.write(text),
    err: (line) => process.stderr.write(`${line}\n`),
    errRaw: (text) => process.stderr.write(text),
    color: colorEnabled(process.env, tty),
    interactive: tty,
    columns: tty ? process.stderr.columns : undefined,
  };
}
