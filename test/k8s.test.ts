/**
 * fixtures/k8s: every manifest is valid YAML of the kind it says, and the pieces are wired to
 * each other — the Indexed Job's shard count is its completion count, the scenario path the
 * shards run is the ConfigMap key mounted there, the merge reads exactly the files the shards
 * write, on the same claim — and the scenario in the ConfigMap is one chatbench loads and can
 * split that many ways.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { checkShards } from '../core/engine/shard.js';
import { parseScenarioText } from '../core/scenario/index.js';

const DIR = fileURLToPath(new URL('../fixtures/k8s/', import.meta.url));

interface Mount { name: string; mountPath: string }
interface Volume { name: string; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string } }
interface EnvVar { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }
interface Container { image: string; command?: string[]; args: string[]; env?: EnvVar[]; volumeMounts: Mount[] }
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    template: { spec: { restartPolicy: string; containers: Container[]; volumes: Volume[] } };
  };
}

/** Every document of every manifest, each file parsed with the `yaml` package, errors failing the test. */
function manifests(): Map<string, Manifest> {
  const byName = new Map<string, Manifest>();
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      expect(doc.errors, file).toEqual([]);
      const m = doc.toJS() as Manifest;
      expect(m.apiVersion, file).toMatch(/^(v1|batch\/v1)$/);
      byName.set(`${m.kind}/${m.metadata.name}`, m);
    }
  }
  return byName;
}

function get(all: Map<string, Manifest>, key: string): Manifest {
  const m = all.get(key);
  if (m === undefined) throw new Error(`no ${key} in fixtures/k8s (has ${[...all.keys()].join(', ')})`);
  return m;
}

function container(job: Manifest): Container {
  const c = job.spec.template.spec.containers[0];
  if (c === undefined) throw new Error(`${job.metadata.name} has no container`);
  return c;
}

/** The volume mounted at the folder that holds `path`, as the pod sees it. */
function volumeAt(job: Manifest, path: string): { volume: Volume; rest: string } {
  const mount = container(job).volumeMounts.find((m) => path.startsWith(`${m.mountPath}/`));
  const volume = job.spec.template.spec.volumes.find((v) => v.name === mount?.name);
  if (mount === undefined || volume === undefined) throw new Error(`nothing mounted at ${path} in ${job.metadata.name}`);
  return { volume, rest: path.slice(mount.mountPath.length + 1) };
}

describe('fixtures/k8s', () => {
  const all = manifests();
  const shards = get(all, 'Job/chatbench-shards');
  const merge = get(all, 'Job/chatbench-merge');
  const command = container(shards).args.join(' ');
  const n = shards.spec.completions ?? 0;

  test('the shards are an Indexed Job running every shard at once, the completion index as the shard', () => {
    expect(shards.spec.completionMode).toBe('Indexed');
    expect(n).toBeGreaterThan(1);
    expect(shards.spec.parallelism).toBe(n);
    expect(command).toContain(`--shard $(JOB_COMPLETION_INDEX)/${n}`);
    const env = container(shards).env ?? [];
    expect(env.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    expect(command).toMatch(/--run-id "\$\(RUN_ID\)"/);
    expect(env.find((e) => e.name === 'RUN_ID')?.value).toMatch(/^[a-z0-9-]{1,32}$/);
    expect(env.some((e) => e.name === 'TARGET')).toBe(true);
  });

  test('the scenario file the shards run is the ConfigMap key mounted at its path, and it splits that many ways', () => {
    const path = /chatbench run (\S+)/.exec(command)?.[1] ?? '';
    const { volume, rest } = volumeAt(shards, path);
    const configMap = get(all, `ConfigMap/${volume.configMap?.name}`);
    const text = configMap.data?.[rest];
    expect(text, `key ${rest}`).toBeDefined();
    const file = parseScenarioText(text ?? '', path);
    expect(file.scenarios.length).toBeGreaterThan(0);
    for (let index = 0; index < n; index++) expect(() => checkShards(file.scenarios, { index, count: n })).not.toThrow();
  });

  test('the merge reads exactly the files the shards write, on the same claim', () => {
    const written = /--json (\S+)/.exec(command)?.[1] ?? '';
    expect(written).toContain('$(JOB_COMPLETION_INDEX)');
    const expected = Array.from({ length: n }, (_, i) => written.replace('$(JOB_COMPLETION_INDEX)', String(i)));
    const args = container(merge).args;
    expect(args[0]).toBe('merge');
    const inputs = args.slice(1, args.findIndex((a) => a.startsWith('--')));
    expect(inputs).toEqual(expected);
    const claim = (job: Manifest, path: string) => volumeAt(job, path).volume.persistentVolumeClaim?.claimName;
    expect(claim(merge, expected[0] ?? '')).toBe(claim(shards, written));
    get(all, `PersistentVolumeClaim/${claim(shards, written)}`);
    // What the merge writes lands on the claim too, beside the shards' results.
    for (const flag of ['--json', '--junit', '--html']) {
      const out = args[args.indexOf(flag) + 1] ?? '';
      expect(claim(merge, out), flag).toBe(claim(shards, written));
    }
  });

  test('both jobs run the same image, once each (no retry that would run a shard at another time)', () => {
    expect(container(merge).image).toBe(container(shards).image);
    for (const job of [shards, merge]) expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });
});
