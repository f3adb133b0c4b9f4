/**
 * The result family: one envelope (envelope.ts) and one body per kind. A result is plain
 * JSON; one zod definition per kind gives the types, the validation used when a saved
 * result is read back (read.ts) and schema/result.schema.json.
 */
import { z } from 'zod';
import { CompareResult } from './compare.js';
import { ConformResult } from './conform.js';
import { FuzzResult } from './fuzz.js';
import { RunResult } from './run.js';

export * from './compare.js';
export * from './conform.js';
export * from './fuzz.js';
export * from './envelope.js';
export * from './patterns.js';
export * from './reasons.js';
export * from './run.js';
export * from './summary.js';

/** Every kind of result chatbench writes, told apart by `kind`. */
export const ChatbenchResult = z.discriminatedUnion('kind', [RunResult, CompareResult, ConformResult, FuzzResult]);
export type ChatbenchResult = z.infer<typeof ChatbenchResult>;
export type ResultKind = ChatbenchResult['kind'];

/** JSON Schema of the whole family (schema/result.schema.json). */
export function resultJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ChatbenchResult, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
