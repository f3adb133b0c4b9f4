/**
 * ANSI colour for the console renderers. Whether colour is on (TTY, NO_COLOR, FORCE_COLOR) is
 * the CLI's decision; a renderer only receives the answer.
 */
export interface Palette {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  bold(text: string): string;
}

const paint = (on: boolean, code: number) => (text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

export function palette(on: boolean): Palette {
  return { red: paint(on, 31), green: paint(on, 32), yellow: paint(on, 33), bold: paint(on, 1) };
}

/** A status word in its colour: PASS green, FAIL red, ABORTED (and anything else) yellow. */
export function paintStatus(p: Palette, label: string): string {
  return (label === 'PASS' ? p.green : label === 'FAIL' ? p.red : p.yellow)(label);
}
