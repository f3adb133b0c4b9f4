/**
 * `--case PATTERN`: globs over case ids (`connect.*`, `*will*`, `?` for one character), several
 * separated by commas. A pattern that matches no case is bad input naming a few ids, since a
 * typo would otherwise run nothing and pass.
 */
import { InputError } from '../errors.js';
import { didYouMean } from '../scenario/suggest.js';
import type { CaseInfo } from './suite.js';

/** A glob as an anchored regular expression: `*` any run of characters, `?` one, the rest literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * The case filter for `pattern` over `cases` (those that run in the versions asked for); every
 * comma-separated part must match at least one of them.
 */
export function caseSelector(pattern: string, cases: readonly CaseInfo[]): (c: CaseInfo) => boolean {
  const parts = pattern.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new InputError(`--case "${pattern}": give a case id or a glob such as connect.*`);
  const ids = [...new Set(cases.map((c) => c.id))];
  const globs = parts.map((p) => ({ text: p, re: globToRegExp(p) }));
  const empty = globs.filter((g) => !ids.some((id) => g.re.test(id)));
  if (empty.length > 0) {
    const lines = empty.map((g) => {
      const guess = didYouMean(g.text, ids);
      return `--case ${g.text}: matches no case${guess !== undefined ? ` (did you mean ${guess}?)` : ''}`;
    });
    const sample = ids.slice(0, 8).join(', ');
    throw new InputError(`${lines.join('\n')}\ncase ids look like: ${sample}${ids.length > 8 ? `, … (${ids.length} in all)` : ''}`);
  }
  return (c) => globs.some((g) => g.re.test(c.id));
}
