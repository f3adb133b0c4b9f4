/**
 * docs/ci.md's GitHub Actions workflow is valid YAML and does what issue 7 item 12 asks: starts
 * a broker, runs `chatbench conform --expect` and `chatbench run`, and uploads the HTML reports
 * and JUnit files as artifacts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown> }
interface Workflow { on: unknown; jobs: Record<string, { 'runs-on': string; services?: Record<string, { image: string }>; steps: Step[] }> }

const doc = readFileSync(new URL('../../docs/ci.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

describe('docs/ci.md', () => {
  const text = blocks.find((b) => b.includes('jobs:'));
  it('has a workflow that parses as YAML', () => {
    expect(text).toBeDefined();
    expect(() => parse(text ?? '', { strict: true, uniqueKeys: true })).not.toThrow();
  });

  it('starts a broker, checks conformance against expectations, runs the workloads and uploads the reports', () => {
    const workflow = parse(text ?? '') as Workflow;
    const [job] = Object.values(workflow.jobs);
    if (job === undefined) throw new Error('no job');
    expect(job.services?.['mosquitto']?.image).toMatch(/mosquitto/);
    const runs = job.steps.map((s) => s.run ?? '');
    const conform = runs.find((r) => r.includes('chatbench conform'));
    expect(conform).toMatch(/--expect fixtures\/conformance\/\S+\.json/);
    expect(conform).toMatch(/--junit \S+\.xml/);
    expect(conform).toMatch(/--html \S+\.html/);
    expect(runs.some((r) => /chatbench run\b/.test(r) && r.includes('--html'))).toBe(true);
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(String(upload?.with?.['path'])).toMatch(/\*\.html[\s\S]*\*\.xml/);
    // The conformance step comes before the run, and the run still goes when conformance failed.
    const at = (needle: string) => job.steps.findIndex((s) => (s.run ?? '').includes(needle));
    expect(at('chatbench conform')).toBeLessThan(at('chatbench run'));
    expect((job.steps[at('chatbench run')] as { if?: string }).if).toContain('!cancelled()');
  });

  it('says chatbench appends to $GITHUB_STEP_SUMMARY itself, and every other YAML block parses too', () => {
    expect(doc).toMatch(/GITHUB_STEP_SUMMARY/);
    for (const block of blocks) expect(() => parse(block, { strict: true })).not.toThrow();
  });
});
