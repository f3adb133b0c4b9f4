/** Where the CLI writes: human text to stderr (colour only on a TTY), machine output to stdout. */
export interface Output {
  out(text: string): void;
  err(line: string): void;
  color: boolean;
  interactive: boolean;
}

export function processOutput(): Output {
  const tty = process.stderr.isTTY === true;
  return {
    out: (text) => process.stdout.write(text),
    err: (line) => process.stderr.write(`${line}\n`),
    color: tty && !process.env.NO_COLOR,
    interactive: tty,
  };
}
