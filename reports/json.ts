/** The JSON result file: any kind of the result family (core/result/), as written to disk. */
import type { ChatbenchResult } from '../core/result/index.js';

export function renderJson(result: ChatbenchResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
