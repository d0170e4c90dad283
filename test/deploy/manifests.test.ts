import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { PACKAGE_ROOT } from '../../src/config.js';
import { loadSettings } from '../../src/site-files.js';
import { loadServiceRegistry } from '../../src/cds-hooks/service-registry.js';
import { compileValidators } from '../../src/cds-hooks/schemas.js';

/**
 * The deployment manifests (deploy/kubernetes, deploy/compose) checked against the Kubernetes schemas and against
 * the service they run: its settings, ports, paths, probes and drain time. No cluster and no container engine run
 * here; README "Deployment manifests" says what this does not cover.
 */

const DEPLOY = join(PACKAGE_ROOT, 'deploy');
const KUBERNETES = join(DEPLOY, 'kubernetes');
const COMPOSE = join(DEPLOY, 'compose');
const read = (path: string): string => readFileSync(path, 'utf8');

const SECRET_SETTINGS = ['DATABASE_URL', 'PATIENT_PSEUDONYM_KEY', 'ADMIN_TOKEN'];
/** node:20-bookworm-slim's `node` user, the Dockerfile's USER. */
const NODE_USER_ID = 1000;

type Validatable = { validate(): void };
type Manifest = { file: string; object: Record<string, unknown> };

const MODELS: Record<string, (data: never) => Validatable> = {
  'apps/v1/Deployment': (data) => new Deployment(data),
  'v1/Service': (data) => new Service(data),
  'v1/ConfigMap': (data) => new ConfigMap(data),
  'v1/ServiceAccount': (data) => new ServiceAccount(data),
  'autoscaling/v2/HorizontalPodAutoscaler': (data) => new HorizontalPodAutoscaler(data),
  'policy/v1/PodDisruptionBudget': (data) => new PodDisruptionBudget(data),
};

const typeOf = (object: Record<string, unknown>): string => `${String(object.apiVersion)}/${String(object.kind)}`;

function modelOf(object: Record<string, unknown>): Validatable {
  const make = MODELS[typeOf(object)];
  if (!make) throw new Error(`no schema for ${typeOf(object)}`);
  return make(object as never);
}

function schemaErrors(object: Record<string, unknown>): string | undefined {
  try {
    modelOf(object).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Keys the schema does not know (a typo such as `readinesProbe` passes kubernetes-models, whose schemas allow extra
 * properties): a key is known when putting a value of the wrong type under it makes validation fail.
 */
function unknownKeys(object: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: Array<string | number>): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, index]));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const keyPath = [...path, key];
      const mutated = structuredClone(object);
      let parent: Record<string | number, unknown> = mutated;
      for (const step of path) parent = parent[step] as Record<string | number, unknown>;
      parent[key] = child !== null && typeof child === 'object' ? 12345 : { wrongType: true };
      if (schemaErrors(mutated) === undefined) found.push(keyPath.join('.'));
      else walk(child, keyPath);
    }
  };
  walk(object, []);
  return found;
}

interface Kustomization {
  resources: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}
const kustomization = parse(read(join(KUBERNETES, 'kustomization.yaml'))) as Kustomization;

const manifests: Manifest[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(read(join(KUBERNETES, file))).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
    return { file, object: document.toJS() as Record<string, unknown> };
  }),
);

function only<T>(kind: string): T {
  const matches = manifests.filter((m) => m.object.kind === kind);
  if (matches.length !== 1) throw new Error(`expected one ${kind}, found ${matches.length}`);
  return matches[0]!.object as T;
}

const deployment = only<Deployment>('Deployment');
const podSpec = deployment.spec!.template.spec as IPodSpec;
const container = podSpec.containers[0] as IContainer;
const podLabels = deployment.spec!.template.metadata!.labels!;
const env = new Map((container.env ?? []).map((entry) => [entry.name, entry]));
const envValue = (name: string): string => {
  const value = env.get(name)?.value;
  if (value === undefined) throw new Error(`the Deployment sets no literal ${name}`);
  return value;
};
const httpPort = container.ports!.find((port) => port.name === 'http')!;

const configMaps = new Map(manifests.filter((m) => m.object.kind === 'ConfigMap').map((m) => [(m.object as unknown as ConfigMap).metadata!.name!, m.object as unknown as ConfigMap]));

const dockerfile = read(join(PACKAGE_ROOT, 'Dockerfile'));
/** The image's embedded database directory (Dockerfile `ENV FEEDBACK_DB=...`). */
const imageDataDir = posix.dirname(/FEEDBACK_DB=(\S+)/.exec(dockerfile)![1]!);

/** Every environment variable src/config.ts reads, plus the ones this release adds. */
function settingsTheServiceReads(): Set<string> {
  const source = read(join(PACKAGE_ROOT, 'src', 'config.ts'));
  const names = new Set<string>();
  for (const match of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(match[1]!);
  for (const match of source.matchAll(/\(env, '([A-Z][A-Z0-9_]*)'/g)) names.add(match[1]!);
  return names;
}
const knownSettings = settingsTheServiceReads();

/** The service's own drain on SIGTERM, in seconds (src/server.ts). */
const drainSeconds = Number(/SHUTDOWN_GRACE_MS = ([\d_]+)/.exec(read(join(PACKAGE_ROOT, 'src', 'server.ts')))![1]!.replaceAll('_', '')) / 1000;

const mebibytes = (quantity: string | number): number => {
  const match = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)?$/.exec(String(quantity));
  if (!match) throw new Error(`memory quantity "${quantity}" is not in Mi, Gi, M or G`);
  const factor = { Mi: 1, Gi: 1024, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 }[match[2] ?? ''] ?? 1 / 2 ** 20;
  return Number(match[1]) * factor;
};

const hookFiles = readdirSync(join(PACKAGE_ROOT, 'hooks')).filter((name) => name.endsWith('.json')).sort();

describe('Kubernetes manifests: schemas', () => {
  it('the kustomization lists every manifest in deploy/kubernetes, and nothing else', () => {
    const files = readdirSync(KUBERNETES).filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml').sort();
    expect([...kustomization.resources].sort()).toEqual(files);
  });

  it('every object validates against the Kubernetes schema of its kind', () => {
    expect([...new Set(manifests.map((m) => typeOf(m.object)))].sort()).toEqual(Object.keys(MODELS).sort());
    for (const { file, object } of manifests) expect({ file, errors: schemaErrors(object) }).toEqual({ file, errors: undefined });
  });

  it('no object carries a field its schema does not know', () => {
    for (const { file, object } of manifests) expect({ file, unknown: unknownKeys(object) }).toEqual({ file, unknown: [] });
  });

  it('the schema check can fail: a wrong type, a missing container name and a misspelt probe are caught', () => {
    const broken = structuredClone(deployment) as unknown as { spec: { replicas: unknown; template: { spec: { containers: Array<Record<string, unknown>> } } } };
    broken.spec.replicas = 'two';
    expect(schemaErrors(broken as unknown as Record<string, unknown>)).toMatch(/replicas/);
    const nameless = structuredClone(deployment) as unknown as typeof broken;
    delete nameless.spec.template.spec.containers[0]!.name;
    expect(schemaErrors(nameless as unknown as Record<string, unknown>)).toMatch(/name/);
    const misspelt = structuredClone(deployment) as unknown as typeof broken;
    misspelt.spec.template.spec.containers[0]!.readinesProbe = { httpGet: { path: '/readyz', port: 'http' } };
    expect(unknownKeys(misspelt as unknown as Record<string, unknown>)).toEqual(['spec.template.spec.containers.0.readinesProbe']);
  });

  it('every object carries the app labels, so one selector finds them all', () => {
    for (const { file, object } of manifests) {
      const labels = (object.metadata as { labels?: Record<string, string> }).labels ?? {};
      expect({ file, labels }).toEqual({ file, labels: expect.objectContaining(podLabels) });
    }
  });
});

describe('Kubernetes manifests: the Deployment runs the service as it expects', () => {
  it('runs at least 2 replicas, rolling one at a time without going below them', () => {
    expect(deployment.spec!.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec!.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(podLabels).toEqual(expect.objectContaining(deployment.spec!.selector.matchLabels));
  });

  it('listens on the image port, named http, and PORT says the same', () => {
    const exposed = Number(/^EXPOSE (\d+)$/m.exec(dockerfile)![1]);
    expect(container.ports).toEqual([{ name: 'http', containerPort: exposed, protocol: 'TCP' }]);
    expect(Number(envValue('PORT'))).toBe(exposed);
  });

  it('probes: readiness on /readyz, liveness and start-up on /healthz, all on the http port', () => {
    const target = (probe: IProbe | undefined): unknown => ({ path: probe?.httpGet?.path, port: probe?.httpGet?.port });
    expect(target(container.readinessProbe)).toEqual({ path: '/readyz', port: 'http' });
    expect(target(container.livenessProbe)).toEqual({ path: '/healthz', port: 'http' });
    expect(target(container.startupProbe)).toEqual({ path: '/healthz', port: 'http' });
    // Liveness must outlast a short stall of the event loop (a multi-MB body parse) without a restart.
    const liveness = container.livenessProbe!;
    expect((liveness.periodSeconds ?? 10) * (liveness.failureThreshold ?? 3)).toBeGreaterThanOrEqual(20);
    const startup = container.startupProbe!;
    expect((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3)).toBeGreaterThanOrEqual(30);
  });

  it('runs as the image user, non-root, read-only root, no privilege escalation, no capabilities, seccomp RuntimeDefault', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(podSpec.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: NODE_USER_ID, runAsGroup: NODE_USER_ID, seccompProfile: { type: 'RuntimeDefault' } }));
    expect(container.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false }));
    expect(container.securityContext!.capabilities).toEqual({ drop: ['ALL'] });
    expect(container.securityContext!.runAsUser ?? NODE_USER_ID).toBe(NODE_USER_ID);
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(podSpec.hostNetwork ?? false).toBe(false);
  });

  it('the places the process writes (/tmp, the image data directory) are emptyDirs with a size limit', () => {
    const volumes = new Map((podSpec.volumes ?? []).map((volume) => [volume.name, volume]));
    const writable = (container.volumeMounts ?? []).filter((mount) => !mount.readOnly);
    expect(writable.map((mount) => mount.mountPath).sort()).toEqual([imageDataDir, '/tmp'].sort());
    for (const mount of writable) expect(volumes.get(mount.name)?.emptyDir?.sizeLimit).toBeDefined();
    for (const mount of container.volumeMounts ?? []) expect(volumes.has(mount.name)).toBe(true);
  });

  it('sets only environment variables the service reads, each once', () => {
    expect(knownSettings.has('PORT') && knownSettings.has('HOOKS_DIR') && knownSettings.size > 25).toBe(true);
    const names = (container.env ?? []).map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => !knownSettings.has(name))).toEqual([]);
    expect(container.envFrom).toBeUndefined();
    expect(envValue('NODE_ENV')).toBe('production');
  });

  it('takes the secrets only by reference: DATABASE_URL, the pseudonym key, the admin token and the clients file', () => {
    expect(manifests.filter((m) => m.object.kind === 'Secret')).toEqual([]);
    for (const name of SECRET_SETTINGS) {
      const entry = env.get(name);
      expect({ name, value: entry?.value, ref: entry?.valueFrom?.secretKeyRef?.name }).toEqual({ name, value: undefined, ref: expect.any(String) });
    }
    // Only the admin token may be missing (its endpoints then answer 404); the database and the key may not.
    expect(SECRET_SETTINGS.filter((name) => env.get(name)!.valueFrom!.secretKeyRef!.optional)).toEqual(['ADMIN_TOKEN']);
    const clientsFile = envValue('CDS_CLIENTS_FILE');
    const mount = container.volumeMounts!.find((m) => m.mountPath === posix.dirname(clientsFile))!;
    const volume = podSpec.volumes!.find((v) => v.name === mount.name)!;
    expect(mount.readOnly).toBe(true);
    expect(volume.secret?.items?.map((item) => item.path)).toEqual([posix.basename(clientsFile)]);
    for (const entry of container.env ?? []) {
      expect({ name: entry.name, credentials: /:\/\/[^/\s]*@/.test(entry.value ?? '') }).toEqual({ name: entry.name, credentials: false });
    }
  });

  it('hooks and site policy come from the ConfigMaps, mounted where HOOKS_DIR and SITE_POLICY_FILE point', () => {
    const mountOf = (path: string) => container.volumeMounts!.find((m) => m.mountPath === path);
    const configMapAt = (path: string) => configMaps.get(podSpec.volumes!.find((v) => v.name === mountOf(path)?.name)?.configMap?.name ?? '');
    expect(Object.keys(configMapAt(envValue('HOOKS_DIR'))?.data ?? {})).toEqual(hookFiles);
    const policyFile = envValue('SITE_POLICY_FILE');
    expect(Object.keys(configMapAt(posix.dirname(policyFile))?.data ?? {})).toEqual([posix.basename(policyFile)]);
    expect(mountOf(envValue('HOOKS_DIR'))?.readOnly).toBe(true);
  });

  it('gives SIGTERM time: preStop sleep plus the service drain fit in the grace period, with room to close the store', () => {
    const preStop = container.lifecycle!.preStop!.exec!.command!;
    expect(preStop.slice(0, 1)).toEqual(['sleep']);
    const sleepSeconds = Number(preStop[1]);
    expect(drainSeconds).toBe(10);
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(sleepSeconds + drainSeconds);
  });

  it('requests at least the benchmarked peak RSS, limits memory to at least twice it, and sets CPU both ways', () => {
    const peak = /\| peak \(maxRSS\) \| (\d+) \|/.exec(read(join(PACKAGE_ROOT, 'BENCHMARKS.md')));
    if (!peak) throw new Error('BENCHMARKS.md has no "peak (maxRSS)" row to size the memory from');
    const peakMiB = (Number(peak[1]) * 1e6) / 2 ** 20;
    const { requests, limits } = container.resources!;
    expect(mebibytes(requests!.memory!)).toBeGreaterThanOrEqual(peakMiB);
    expect(mebibytes(limits!.memory!)).toBeGreaterThanOrEqual(2 * peakMiB);
    expect(requests!.cpu).toBeDefined();
    expect(limits!.cpu).toBeDefined();
  });

  it('spreads replicas over nodes', () => {
    const byHost = (podSpec.topologySpreadConstraints ?? []).find((c) => c.topologyKey === 'kubernetes.io/hostname');
    expect(byHost).toEqual(expect.objectContaining({ maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' }));
    expect(podLabels).toEqual(expect.objectContaining(byHost!.labelSelector!.matchLabels));
  });

  it('names a pinned image, the one the kustomization retags', () => {
    expect(container.image).toMatch(/^[^:]+:\d+\.\d+\.\d+$/);
    expect(kustomization.images?.map((image) => image.name)).toEqual([container.image!.split(':')[0]]);
    expect(kustomization.images![0]!.newTag).not.toBe('latest');
  });
});

describe('Kubernetes manifests: Service, HPA, PDB, ServiceAccount', () => {
  it('the Service selects the pods and targets the named container port', () => {
    const service = only<Service>('Service');
    expect(podLabels).toEqual(expect.objectContaining(service.spec!.selector));
    expect(service.spec!.ports!.map((port) => port.targetPort)).toEqual([httpPort.name]);
  });

  it('the HPA scales this Deployment on CPU, never below 2', () => {
    const hpa = only<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    expect(hpa.spec!.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata!.name });
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec!.minReplicas).toBe(deployment.spec!.replicas);
    expect(hpa.spec!.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!);
    expect(hpa.spec!.metrics!.map((metric) => metric.resource?.name)).toEqual(['cpu']);
  });

  it('the PDB keeps at least one pod, selecting exactly the Deployment\'s pods', () => {
    const pdb = only<PodDisruptionBudget>('PodDisruptionBudget');
    expect(pdb.spec!.minAvailable).toBe(1);
    expect(pdb.spec!.selector).toEqual(deployment.spec!.selector);
  });

  it('the pods use their own ServiceAccount, which mounts no token', () => {
    const account = only<ServiceAccount>('ServiceAccount');
    expect(podSpec.serviceAccountName).toBe(account.metadata!.name);
    expect(account.automountServiceAccountToken).toBe(false);
  });
});

describe('Kubernetes manifests: ConfigMaps in step with the files the service reads', () => {
  it('the hooks ConfigMap holds hooks/*.json, byte for byte', () => {
    const data = configMaps.get('hcc-cds-hooks')!.data!;
    expect(Object.keys(data)).toEqual(hookFiles);
    for (const name of hookFiles) expect({ name, same: data[name] === read(join(PACKAGE_ROOT, 'hooks', name)) }).toEqual({ name, same: true });
  });

  it('the site-policy ConfigMap holds deploy/config/site-policy.json, which the service accepts', () => {
    const policyPath = join(DEPLOY, 'config', 'site-policy.json');
    expect(configMaps.get('hcc-cds-site-policy')!.data).toEqual({ 'site-policy.json': read(policyPath) });
    expect(() => loadSettings(policyPath)).not.toThrow();
  });

  it('the pod template carries the checksum of both, so a changed definition rolls every pod', () => {
    const hash = createHash('sha256');
    for (const name of ['hcc-cds-hooks', 'hcc-cds-site-policy']) {
      const data = configMaps.get(name)!.data!;
      for (const key of Object.keys(data).sort()) hash.update(`${name}\0${key}\0${data[key]}\0`);
    }
    const expected = `sha256:${hash.digest('hex')}`;
    expect({ annotation: deployment.spec!.template.metadata!.annotations!['checksum/config'], fix: 'node deploy/kubernetes/sync-config.mjs' }).toEqual({ annotation: expected, fix: 'node deploy/kubernetes/sync-config.mjs' });
  });

  it('the service loads them from a volume laid out as the kubelet writes one (files are links into ..data)', () => {
    const root = mkdtempSync(join(tmpdir(), 'hcc-cds-configmap-'));
    try {
      const mount = (name: string): string => {
        const dir = join(root, name);
        const version = join(dir, '..2026_01_01_00_00_00.000000001');
        mkdirSync(version, { recursive: true });
        symlinkSync('..2026_01_01_00_00_00.000000001', join(dir, '..data'));
        for (const [key, value] of Object.entries(configMaps.get(name)!.data!)) {
          writeFileSync(join(version, key), value);
          symlinkSync(join('..data', key), join(dir, key));
        }
        return dir;
      };
      const registry = loadServiceRegistry(mount('hcc-cds-hooks'), compileValidators());
      expect(registry.services.map((service) => `${service.id}.json`).sort()).toEqual(hookFiles);
      expect(() => loadSettings(join(mount('hcc-cds-site-policy'), 'site-policy.json'))).not.toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('each ConfigMap stays well under the 1 MiB object limit', () => {
    for (const [name, map] of configMaps) expect({ name, small: Buffer.byteLength(JSON.stringify(map.data)) < 512 * 1024 }).toEqual({ name, small: true });
  });
});

interface ComposeService {
  image?: string;
  build?: { context: string };
  deploy?: { replicas?: number };
  container_name?: string;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number; start_period?: string };
  volumes?: string[];
  secrets?: Array<{ source: string; target: string }>;
  tmpfs?: string[];
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file: string }>;
  volumes?: Record<string, unknown>;
}

describe('compose file: two replicas and PostgreSQL 15 behind one port', () => {
  const composeText = read(join(COMPOSE, 'compose.yaml'));
  const compose = parse(composeText) as ComposeFile;
  const cds = compose.services['hcc-cds']!;
  const postgres = compose.services.postgres!;
  const lb = compose.services.lb!;
  const seconds = (duration: string): number => Number(/^(\d+)s$/.exec(duration)![1]);

  it('parses as YAML with exactly the services postgres, hcc-cds and lb', () => {
    expect(parseAllDocuments(composeText).flatMap((document) => document.errors)).toEqual([]);
    expect(Object.keys(compose.services).sort()).toEqual(['hcc-cds', 'lb', 'postgres']);
  });

  it('runs PostgreSQL 15 with a TCP readiness healthcheck on a named volume', () => {
    expect(postgres.image).toMatch(/^postgres:15(\b|-)/);
    expect(postgres.healthcheck!.test.slice(0, 2)).toEqual(['CMD', 'pg_isready']);
    expect(postgres.healthcheck!.test).toEqual(expect.arrayContaining(['-h', '127.0.0.1']));
    const [volume] = postgres.volumes![0]!.split(':');
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });

  it('runs at least two replicas of the image built from this repository, with no fixed name or host port', () => {
    expect(cds.deploy!.replicas).toBeGreaterThanOrEqual(2);
    expect(cds.container_name).toBeUndefined();
    expect(cds.ports).toBeUndefined();
    expect(existsSync(join(COMPOSE, cds.build!.context, 'Dockerfile'))).toBe(true);
    expect(cds.image).toBe(deployment.spec!.template.spec!.containers[0]!.image);
  });

  it('starts the replicas after PostgreSQL is healthy, and the load balancer after the replicas are', () => {
    expect(cds.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(lb.depends_on).toEqual({ 'hcc-cds': { condition: 'service_healthy' } });
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect({ name, dependency, healthcheck: compose.services[dependency]?.healthcheck !== undefined }).toEqual({ name, dependency, healthcheck: true });
    }
  });

  it('checks replica readiness on /readyz at PORT', () => {
    const command = cds.healthcheck!.test.join(' ');
    expect(command).toContain(`http://127.0.0.1:${cds.environment!.PORT}/readyz`);
    expect(cds.healthcheck!.test[0]).toBe('CMD');
  });

  it('sets the same variables as the Kubernetes Deployment, all of them read by the service', () => {
    const names = Object.keys(cds.environment!).sort();
    expect(names).toEqual((container.env ?? []).map((entry) => entry.name).sort());
    expect(names.filter((name) => !knownSettings.has(name))).toEqual([]);
    for (const name of ['PORT', 'NODE_ENV', 'WEB_CONCURRENCY', 'HOOKS_DIR', 'SITE_POLICY_FILE']) expect({ name, value: cds.environment![name] }).toEqual({ name, value: envValue(name) });
  });

  it('takes secrets from the environment or secret files, never from this file', () => {
    for (const name of SECRET_SETTINGS) expect({ name, value: cds.environment![name] }).toEqual({ name, value: expect.stringMatching(/\$\{[A-Z_]+:\?[^}]*\}/) });
    expect(cds.environment!.DATABASE_URL).toMatch(/^postgres:\/\/hcc:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/hcc$/);
    expect(postgres.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]*\}$/);
    expect(cds.environment!.CDS_CLIENTS_FILE).toBe(`/run/secrets/${cds.secrets![0]!.target}`);
    expect(Object.keys(compose.secrets!)).toEqual([cds.secrets![0]!.source]);
    const ignored = read(join(COMPOSE, '.gitignore')).split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env', `${posix.dirname(compose.secrets!.cds_clients!.file.replace(/^\.\//, ''))}/*`]));
  });

  it('.env.example names every variable the file interpolates, with placeholders only', () => {
    const interpolated = new Set([...composeText.matchAll(/\$\{([A-Z_]+)[:}]/g)].map((match) => match[1]!));
    const example = new Map(read(join(COMPOSE, '.env.example')).split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => [line.split('=')[0]!, line.slice(line.indexOf('=') + 1)]));
    expect([...example.keys()].sort()).toEqual([...interpolated].sort());
    for (const name of [...SECRET_SETTINGS, 'POSTGRES_PASSWORD']) {
      if (example.has(name)) expect({ name, value: example.get(name) }).toEqual({ name, value: 'replace-me' });
    }
  });

  it('mounts the repository hooks and the site policy read-only where HOOKS_DIR and SITE_POLICY_FILE point', () => {
    const mounts = new Map(cds.volumes!.map((spec) => {
      const [source, target, mode] = spec.split(':');
      return [target!, { source: source!, mode }];
    }));
    expect(mounts.get(cds.environment!.HOOKS_DIR!)).toEqual({ source: '../../hooks', mode: 'ro' });
    expect(mounts.get(cds.environment!.SITE_POLICY_FILE!)).toEqual({ source: '../config/site-policy.json', mode: 'ro' });
    for (const { source } of mounts.values()) expect({ source, exists: existsSync(join(COMPOSE, source)) }).toEqual({ source, exists: true });
  });

  it('runs the replicas as the image user, read-only, no capabilities, with /tmp and the data directory in memory', () => {
    expect(cds.user).toBe(`${NODE_USER_ID}:${NODE_USER_ID}`);
    expect(cds.read_only).toBe(true);
    expect(cds.cap_drop).toEqual(['ALL']);
    expect(cds.security_opt).toContain('no-new-privileges:true');
    expect([...cds.tmpfs!].sort()).toEqual([imageDataDir, '/tmp'].sort());
  });

  it('waits longer than the service drain before SIGKILL (Docker\'s default, 10 s, is the drain alone)', () => {
    expect(seconds(cds.stop_grace_period!)).toBeGreaterThan(drainSeconds);
  });

  it('the load balancer publishes one port and balances over the replicas by readiness', () => {
    const haproxy = read(join(COMPOSE, 'haproxy.cfg'));
    const [hostPort, lbPort] = lb.ports![0]!.split(':');
    expect(lb.ports).toHaveLength(1);
    expect(haproxy).toMatch(new RegExp(`^\\s*bind :${lbPort}$`, 'm'));
    expect(haproxy).toMatch(new RegExp(`^\\s*server-template \\S+ \\d+ hcc-cds:${cds.environment!.PORT} check resolvers docker`, 'm'));
    expect(haproxy).toMatch(/^\s*option httpchk GET \/readyz$/m);
    expect(haproxy).toMatch(/^\s*retry-on conn-failure$/m);
    expect(cds.environment!.PUBLIC_BASE_URL).toBe(`\${PUBLIC_BASE_URL:-http://localhost:${hostPort}}`);
    expect(lb.volumes).toEqual([`./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro`]);
  });
});
