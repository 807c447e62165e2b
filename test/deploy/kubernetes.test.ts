import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseCatalog } from '../../src/config/catalog.js';
import { parseEnv } from '../../src/config/env.js';
import { MIGRATION_TIMEOUTS } from '../../src/db/pool.js';
import { healthRoutes } from '../../src/http/health-routes.js';
import { createLogger } from '../../src/log/logger.js';
import { SLACK_EVENTS_PATH } from '../../src/slack/ids.js';

/**
 * infra/kubernetes against the code: there is no cluster and no kubectl in CI, so this renders each
 * overlay with a small model of kustomize (only the features the files use; anything else fails
 * here) and checks what a broken manifest would get wrong: a probe on a path nobody serves, a
 * port that differs from PORT, a Secret key jitbot never reads, root, a writable root filesystem,
 * a NetworkPolicy that selects other pods. Each check is also shown to fail on a broken copy.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const KUBE = join(ROOT, 'infra', 'kubernetes');
const SECRET_NAME = 'jitbot-secrets';
const read = (path: string) => readFileSync(path, 'utf8');
const shown = (path: string) => relative(ROOT, path);

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Labels };
  [field: string]: unknown;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; [source: string]: unknown };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
type PortRef = string | number;
interface Probe {
  httpGet?: { path: string; port: PortRef };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: unknown[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: SecurityContext;
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string }; emptyDir?: object }[];
  topologySpreadConstraints?: { topologyKey: string; labelSelector?: Selector }[];
}
interface Deployment extends Resource {
  spec: {
    replicas?: number;
    selector: Selector;
    strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
    template: { metadata: { labels?: Labels }; spec: PodSpec };
  };
}
interface ServicePort {
  name?: string;
  port: number;
  targetPort?: PortRef;
}
interface Service extends Resource {
  spec: { selector?: Labels; ports: ServicePort[] };
}
interface PolicyPeer {
  namespaceSelector?: Selector;
  podSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: { port?: PortRef; protocol?: string }[];
}
interface NetworkPolicy extends Resource {
  spec: { podSelector: Selector; policyTypes?: string[]; ingress?: PolicyRule[]; egress?: PolicyRule[] };
}

// ---- A model of kustomize: resources, configMapGenerator, JSON 6902 patches, images, namespace.

interface Kustomization {
  namespace?: string;
  resources?: string[];
  configMapGenerator?: { name: string; files: string[]; behavior?: string }[];
  patches?: { path: string; target: { kind: string; name: string } }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
}
const MODELLED = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'configMapGenerator',
  'patches',
  'images',
]);

interface Build {
  readonly resources: Resource[];
  /** Every file the build read, to find files that no kustomization uses. */
  readonly files: Set<string>;
}

function readResources(file: string): Resource[] {
  return parseAllDocuments(read(file)).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`${shown(file)}: ${document.errors[0]?.message}`);
    const resource = document.toJS() as Resource | null;
    if (!resource?.apiVersion || !resource.kind || !resource.metadata?.name)
      throw new Error(
        `${shown(file)}, document ${index + 1}: apiVersion, kind and metadata.name are required`,
      );
    return resource;
  });
}

/** RFC 6901: "/a/b~1c" -> ["a", "b/c"]. */
const pointer = (path: string) =>
  path
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));

type Op = { op: string; path: string; value?: unknown };

function applyOp(document: unknown, { op, path, value }: Op, where: string): void {
  const keys = pointer(path);
  const last = keys.pop() ?? '';
  let parent: unknown = document;
  for (const key of keys) parent = (parent as Record<string, unknown> | undefined)?.[key];
  if (typeof parent !== 'object' || parent === null) throw new Error(`${where}: ${path} does not exist`);
  const container = parent as Record<string, unknown>;
  if (op === 'test') {
    if (!isDeepStrictEqual(container[last], value)) throw new Error(`${where}: test of ${path} failed`);
  } else if (op === 'remove') {
    if (!(last in container)) throw new Error(`${where}: cannot remove ${path}: it does not exist`);
    if (Array.isArray(container)) container.splice(Number(last), 1);
    else delete container[last];
  } else if (op === 'add' && Array.isArray(container)) {
    container.splice(last === '-' ? container.length : Number(last), 0, value);
  } else if (op === 'add' || op === 'replace') {
    container[last] = value;
  } else throw new Error(`${where}: op ${op} is not modelled here`);
}

function withImage(image: string, rules: NonNullable<Kustomization['images']>): string {
  const [reference = '', digest] = image.split('@');
  const colon = reference.lastIndexOf(':');
  const hasTag = colon > reference.lastIndexOf('/');
  const name = hasTag ? reference.slice(0, colon) : reference;
  const rule = rules.find((candidate) => candidate.name === name);
  if (!rule) return image;
  const tag = rule.digest ? `@${rule.digest}` : rule.newTag ? `:${rule.newTag}` : digest ? `@${digest}` : '';
  return `${rule.newName ?? name}${tag || (hasTag ? reference.slice(colon) : '')}`;
}

function build(dir: string): Build {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${shown(dir)} has no kustomization.yaml`);
  const spec = parse(read(file)) as Kustomization;
  const unmodelled = Object.keys(spec).filter((key) => !MODELLED.has(key));
  if (unmodelled.length > 0)
    throw new Error(`${shown(file)} uses ${unmodelled.join(', ')}: model it in this test`);
  const files = new Set([file]);
  const need = (entry: string) => {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${shown(file)} names ${entry}, which does not exist`);
    files.add(path);
    return path;
  };
  let resources = (spec.resources ?? []).flatMap((entry) => {
    const path = need(entry);
    if (!statSync(path).isDirectory()) return readResources(path);
    const inner = build(path);
    for (const used of inner.files) files.add(used);
    return inner.resources;
  });
  for (const generator of spec.configMapGenerator ?? []) {
    // kustomize adds a hash of the content to the name and to every reference; modelled as the name.
    const data = Object.fromEntries(generator.files.map((entry) => [basename(entry), read(need(entry))]));
    const configMap: Resource = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: generator.name },
      data,
    };
    const others = resources.filter((r) => !(r.kind === 'ConfigMap' && r.metadata.name === generator.name));
    if (generator.behavior === 'replace' && others.length === resources.length)
      throw new Error(`${shown(file)} replaces ConfigMap ${generator.name}, which no base generates`);
    resources = [...others, configMap];
  }
  for (const patch of spec.patches ?? []) {
    const ops = parse(read(need(patch.path))) as Op[];
    if (!Array.isArray(ops)) throw new Error(`${patch.path}: only JSON 6902 patches are modelled here`);
    const targets = resources.filter(
      (r) => r.kind === patch.target.kind && r.metadata.name === patch.target.name,
    );
    if (targets.length === 0)
      throw new Error(`${patch.path} patches ${patch.target.kind} ${patch.target.name}: none`);
    for (const target of targets) for (const op of ops) applyOp(target, op, patch.path);
  }
  for (const resource of resources) {
    if (spec.namespace) resource.metadata.namespace = spec.namespace;
    const pod = (resource as Partial<Deployment>).spec?.template?.spec;
    for (const container of pod?.containers ?? [])
      container.image = withImage(container.image, spec.images ?? []);
  }
  return { resources, files };
}

// ---- The rendered overlays and what the checks need from them.

type Mode = 'http' | 'socket-mode';
interface Rendered {
  readonly mode: Mode;
  readonly resources: Resource[];
}

const example = (name: string) => readResources(join(KUBE, 'examples', name));
const render = (mode: Mode): Rendered => ({
  mode,
  resources: [
    ...build(join(KUBE, 'overlays', mode)).resources,
    ...example('servicemonitor.yaml'),
    ...example('externalsecret.yaml'),
  ],
});

const all = <T extends Resource>(r: Rendered, kind: string) =>
  r.resources.filter((x) => x.kind === kind) as T[];
function one<T extends Resource>(r: Rendered, kind: string): T {
  const [found, ...more] = all<T>(r, kind);
  if (!found || more.length > 0)
    throw new Error(`${r.mode}: expected one ${kind}, found ${more.length + (found ? 1 : 0)}`);
  return found;
}
const deployment = (r: Rendered) => one<Deployment>(r, 'Deployment');
const pod = (r: Rendered) => deployment(r).spec.template.spec;
function container(r: Rendered): Container {
  const [only, ...more] = pod(r).containers;
  if (!only || more.length > 0) throw new Error(`${r.mode}: expected one container`);
  return only;
}
const podLabels = (r: Rendered) => deployment(r).spec.template.metadata.labels ?? {};
/** matchLabels only: matchExpressions are not used here, and a selector that has them fails. */
const selects = (selector: Selector | undefined, labels: Labels) =>
  !!selector &&
  !selector.matchExpressions?.length &&
  Object.keys(selector.matchLabels ?? {}).length > 0 &&
  Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
function portNumber(c: Container, port: PortRef | undefined): number | undefined {
  const found = c.ports?.find((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
  return found?.containerPort;
}
const plainEnv = (c: Container) =>
  Object.fromEntries((c.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])));
const secretEnv = (c: Container) => (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
const FAKE_SECRETS: Labels = {
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_APP_TOKEN: 'xapp-test',
  DATABASE_URL: 'postgres://jitbot@db:5432/jitbot',
};
/** The environment the pod gets, with a stand-in for every value from the Secret. */
const podEnv = (c: Container): Labels => ({
  ...Object.fromEntries(secretEnv(c).map((e) => [e.name, FAKE_SECRETS[e.name] ?? 'test-value'])),
  ...plainEnv(c),
});
function catalogText(r: Rendered): string | undefined {
  const mount = container(r).volumeMounts?.find((m) => m.mountPath === dirname(catalogPath(r)));
  const volume = pod(r).volumes?.find((v) => v.name === mount?.name);
  const configMap = all(r, 'ConfigMap').find((c) => c.metadata.name === volume?.configMap?.name);
  return (configMap?.data as Labels | undefined)?.[basename(catalogPath(r))];
}
const catalogPath = (r: Rendered) => plainEnv(container(r)).JITBOT_CATALOG ?? '';
/** ${NAME} in the catalog, not $${NAME} (a literal). */
const catalogVariables = (text: string) =>
  new Set([...text.matchAll(/(?<!\$)\$\{(\w+)\}/g)].map((m) => m[1] ?? ''));
const dockerUid = Number(/^USER\s+(\d+)/m.exec(read(join(ROOT, 'Dockerfile')))?.[1]);
const served = healthRoutes({
  readiness: async () => ({ ready: true, problems: [], publicProblems: [] }),
  shuttingDown: () => false,
  slackProblem: () => undefined,
  logger: createLogger('silent'),
}).map((route) => route.path);
/** Names whose value is a secret: never written in a manifest. */
const SECRET_LIKE = /SECRET|TOKEN|PASSWORD|DATABASE_URL|EXTERNAL_ID/;

// ---- The invariants. Each returns its problems, so a test can show it fails on a broken copy.

type Check = (r: Rendered) => string[];
const problems = (...found: (string | false)[]) => found.filter((p): p is string => p !== false);

const CHECKS: Record<string, Check> = {
  replicas: (r) => {
    const { spec } = deployment(r);
    return problems(
      spec.replicas !== 2 && `replicas is ${spec.replicas}, not 2`,
      !selects(spec.selector, podLabels(r)) && 'the Deployment selector does not select its own pods',
      spec.strategy?.rollingUpdate?.maxUnavailable !== 0 &&
        'a rollout may stop a replica before its successor is ready',
    );
  },
  disruption: (r) => {
    const budgets = all(r, 'PodDisruptionBudget') as (Resource & {
      spec: { minAvailable?: number; selector: Selector };
    })[];
    const spread = pod(r).topologySpreadConstraints ?? [];
    return problems(
      budgets.length !== 1 && 'no PodDisruptionBudget, or several',
      ...budgets.flatMap((b) =>
        problems(
          !selects(b.spec.selector, podLabels(r)) &&
            `PodDisruptionBudget ${b.metadata.name} selects other pods`,
          b.spec.minAvailable !== 1 && `PodDisruptionBudget minAvailable is ${b.spec.minAvailable}, not 1`,
        ),
      ),
      !spread.some(
        (s) => s.topologyKey === 'kubernetes.io/hostname' && selects(s.labelSelector, podLabels(r)),
      ) && 'nothing spreads the replicas across nodes',
    );
  },
  probes: (r) => {
    const c = container(r);
    // PORT as jitbot reads it: the container's value, or jitbot's default when the manifest sets none.
    const port = parseEnv({ SLACK_SIGNING_SECRET: 'test-value', ...FAKE_SECRETS, ...podEnv(c) }).PORT;
    const want = { livenessProbe: '/healthz', readinessProbe: '/readyz', startupProbe: '/healthz' } as const;
    const startup = c.startupProbe;
    const startupSeconds = (startup?.periodSeconds ?? 10) * (startup?.failureThreshold ?? 3);
    return problems(
      ...Object.entries(want).flatMap(([name, path]) => {
        const probe = c[name as keyof typeof want]?.httpGet;
        return problems(
          probe?.path !== path && `${name} asks ${probe?.path}, not ${path}`,
          !served.includes(probe?.path ?? '') && `${name} asks ${probe?.path}, which jitbot does not serve`,
          portNumber(c, probe?.port) !== port &&
            `${name} asks port ${probe?.port}, not PORT (${port}) on the container`,
        );
      }),
      startupSeconds * 1000 < MIGRATION_TIMEOUTS.queryMs &&
        `the startup probe gives up after ${startupSeconds} s, before a migration may (${MIGRATION_TIMEOUTS.queryMs / 1000} s)`,
    );
  },
  security: (r) => {
    const { securityContext: podContext = {}, automountServiceAccountToken } = pod(r);
    const c = container(r).securityContext ?? {};
    const effective = { ...podContext, ...c };
    return problems(
      effective.runAsNonRoot !== true && 'runAsNonRoot is not set',
      effective.runAsUser !== dockerUid && `runs as uid ${effective.runAsUser}, not the image's ${dockerUid}`,
      c.readOnlyRootFilesystem !== true && 'the root filesystem is writable',
      c.allowPrivilegeEscalation !== false && 'privilege escalation is allowed',
      c.privileged === true && 'the container is privileged',
      !c.capabilities?.drop?.includes('ALL') && 'capabilities are not all dropped',
      (c.capabilities?.add?.length ?? 0) > 0 && `capabilities are added: ${c.capabilities?.add?.join(', ')}`,
      effective.seccompProfile?.type !== 'RuntimeDefault' && 'no RuntimeDefault seccomp profile',
      automountServiceAccountToken !== false && 'a Kubernetes API token is mounted',
      !container(r).volumeMounts?.some(
        (m) => m.mountPath === '/tmp' && pod(r).volumes?.some((v) => v.name === m.name && v.emptyDir),
      ) && '/tmp is not a writable emptyDir',
    );
  },
  environment: (r) => {
    const c = container(r);
    const env = c.env ?? [];
    let read: Record<string, unknown>;
    try {
      read = { ...parseEnv(podEnv(c)) };
    } catch (error) {
      return [`jitbot would not start with this environment: ${(error as Error).message}`];
    }
    const catalog = catalogVariables(catalogText(r) ?? '');
    const names = env.map((e) => e.name);
    return problems(
      (c.envFrom?.length ?? 0) > 0 && 'envFrom passes whatever a Secret holds: name each variable',
      names.length !== new Set(names).size && 'a variable is set twice',
      ...env.flatMap((e) => {
        const ref = e.valueFrom?.secretKeyRef;
        return problems(
          !(e.name in read) &&
            !catalog.has(e.name) &&
            `${e.name} is read neither by jitbot nor by the catalog`,
          e.value !== undefined && SECRET_LIKE.test(e.name) && `${e.name} is written in the manifest`,
          // A value read as text or a number comes back as written; a parsed structure is not compared.
          e.value !== undefined &&
            e.name in read &&
            typeof read[e.name] !== 'object' &&
            String(read[e.name]) !== e.value &&
            `${e.name} is not read as given`,
          !!e.valueFrom && !ref && `${e.name} comes from somewhere else than the Secret`,
          !!ref && ref.name !== SECRET_NAME && `${e.name} comes from Secret ${ref.name}, not ${SECRET_NAME}`,
          !!ref &&
            ref.key !== e.name &&
            `${e.name} comes from the Secret's key ${ref.key}: use the same name`,
          ref?.optional === true && `${e.name} is optional: a missing key should stop the pod, not jitbot`,
        );
      }),
      ...['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'DATABASE_URL'].map(
        (name) => !secretEnv(c).some((e) => e.name === name) && `${name} does not come from the Secret`,
      ),
      r.mode === 'http' &&
        names.includes('SLACK_APP_TOKEN') &&
        'SLACK_APP_TOKEN would switch HTTP mode to Socket Mode',
      r.mode === 'socket-mode' &&
        !secretEnv(c).some((e) => e.name === 'SLACK_APP_TOKEN') &&
        'Socket Mode needs SLACK_APP_TOKEN from the Secret',
    );
  },
  image: (r) => {
    const { image } = container(r);
    const tag = /:([\w.-]+)$/.exec(image)?.[1];
    return problems(
      !image.includes('@sha256:') && (!tag || tag === 'latest') && `image ${image} is not pinned`,
    );
  },
  catalog: (r) => {
    const c = container(r);
    const path = catalogPath(r);
    const text = catalogText(r);
    const mount = c.volumeMounts?.find((m) => m.mountPath === dirname(path));
    if (text === undefined) return [`no ConfigMap is mounted with the catalog at JITBOT_CATALOG (${path})`];
    try {
      parseCatalog(text, path, podEnv(c));
    } catch (error) {
      return [`the catalog does not load with the pod's environment: ${(error as Error).message}`];
    }
    return problems(
      mount?.readOnly !== true && 'the catalog is mounted writable',
      // A subPath mount never sees a new ConfigMap; the generated name's hash rolls the pods instead.
      !!mount?.subPath && 'the catalog is mounted with subPath',
    );
  },
  stopping: (r) => {
    const command = container(r).lifecycle?.preStop?.exec?.command ?? [];
    const wait = command[0] === 'sleep' ? Number(command[1]) : 0;
    const grace = pod(r).terminationGracePeriodSeconds ?? 30;
    // docs/deploy.md: at least 30 seconds after SIGTERM, so jobs in hand finish.
    return problems(
      wait <= 0 && 'no preStop pause',
      grace < wait + 30 && `${grace} s to stop: less than preStop (${wait} s) and 30 s after SIGTERM`,
    );
  },
  identity: (r) => {
    const name = pod(r).serviceAccountName;
    const account = all(r, 'ServiceAccount').find((a) => a.metadata.name === name);
    const role = account?.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? '';
    return problems(
      !account && `the pod's service account ${name} is not defined`,
      !/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role) &&
        'no IRSA role annotation on the service account',
      account?.automountServiceAccountToken !== false && 'the service account mounts an API token',
    );
  },
  service: (r) => {
    const c = container(r);
    const env = parseEnv(podEnv(c));
    const service = one<Service>(r, 'Service');
    const target = (name: string) => {
      const port = service.spec.ports.find((p) => p.name === name);
      return port ? portNumber(c, port.targetPort ?? port.port) : undefined;
    };
    return problems(
      !selects({ matchLabels: service.spec.selector ?? {} }, podLabels(r)) &&
        'the Service selects other pods',
      ...service.spec.ports.map(
        (p) => portNumber(c, p.targetPort ?? p.port) === undefined && `${p.name} targets no port`,
      ),
      target('metrics') !== env.METRICS_PORT && 'the Service port metrics does not reach METRICS_PORT',
      r.mode === 'http' && target('http') !== env.PORT && 'the Service port http does not reach PORT',
      r.mode === 'socket-mode' &&
        target('http') !== undefined &&
        'Socket Mode needs no HTTP port on the Service',
    );
  },
  network: (r) => {
    const c = container(r);
    const env = parseEnv(podEnv(c));
    const policies = all<NetworkPolicy>(r, 'NetworkPolicy');
    const ours = policies.filter((p) => selects(p.spec.podSelector, podLabels(r)));
    const egress = ours
      .filter((p) => p.spec.policyTypes?.includes('Egress'))
      .flatMap((p) => p.spec.egress ?? []);
    const ingress = ours
      .filter((p) => p.spec.policyTypes?.includes('Ingress'))
      .flatMap((p) => p.spec.ingress ?? []);
    const opens = (port: number, protocol: string) =>
      egress.some((rule) => rule.ports?.some((p) => p.port === port && (p.protocol ?? 'TCP') === protocol));
    const admitted = new Set(ingress.flatMap((rule) => (rule.ports ?? []).map((p) => portNumber(c, p.port))));
    const expected = new Set(r.mode === 'http' ? [env.PORT, env.METRICS_PORT] : [env.METRICS_PORT]);
    const fromMonitoring = ingress.some(
      (rule) =>
        rule.ports?.some((p) => portNumber(c, p.port) === env.METRICS_PORT) &&
        rule.from?.every(
          (peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring',
        ),
    );
    return problems(
      ours.length !== policies.length && 'a NetworkPolicy selects other pods than jitbot',
      !ours.some((p) => p.spec.policyTypes?.includes('Ingress') && p.spec.policyTypes.includes('Egress')) &&
        'no policy restricts both ingress and egress',
      !opens(443, 'TCP') && 'egress to 443 (Slack, AWS, Okta) is not allowed',
      !(opens(53, 'UDP') && opens(53, 'TCP')) && 'DNS is not allowed',
      !opens(5432, 'TCP') && 'PostgreSQL (5432) is not allowed',
      ingress.some((rule) => !rule.from?.length || !rule.ports?.length) &&
        'an ingress rule admits every source or port',
      !isDeepStrictEqual(admitted, expected) &&
        `ingress admits ports ${[...admitted].join(', ')}, not ${[...expected].join(', ')}`,
      !fromMonitoring && 'the metrics port does not admit the monitoring namespace alone',
    );
  },
  ingress: (r) => {
    const ingresses = all(r, 'Ingress') as (Resource & { spec: Record<string, unknown> })[];
    if (r.mode === 'socket-mode') return problems(ingresses.length > 0 && 'Socket Mode needs no Ingress');
    const service = one<Service>(r, 'Service');
    const paths = ingresses.flatMap((i) => {
      const rules = (i.spec.rules ?? []) as { http?: { paths: Record<string, unknown>[] } }[];
      return rules.flatMap((rule) => rule.http?.paths ?? []);
    });
    const backend = (p: Record<string, unknown>) =>
      (p.backend as { service?: { name: string; port: { name?: string } } }).service;
    return problems(
      paths.length !== 1 && `the Ingress routes ${paths.length} paths, not only ${SLACK_EVENTS_PATH}`,
      ...paths.flatMap((p) =>
        problems(
          (p.path !== SLACK_EVENTS_PATH || p.pathType !== 'Exact') &&
            `the Ingress routes ${p.path} (${p.pathType})`,
          backend(p)?.name !== service.metadata.name && 'the Ingress sends to another Service',
          backend(p)?.port.name !== 'http' && 'the Ingress sends to another port than http',
        ),
      ),
      ingresses.some((i) => !i.spec.tls) && 'Slack calls HTTPS only: the Ingress has no tls',
    );
  },
  monitoring: (r) => {
    const service = one<Service>(r, 'Service');
    const monitor = one(r, 'ServiceMonitor') as Resource & {
      spec: {
        selector: Selector;
        namespaceSelector?: { matchNames?: string[] };
        endpoints: { port?: string }[];
      };
    };
    const names = service.spec.ports.map((p) => p.name);
    return problems(
      !selects(monitor.spec.selector, service.metadata.labels ?? {}) &&
        'the ServiceMonitor selects another Service',
      !monitor.spec.namespaceSelector?.matchNames?.includes(service.metadata.namespace ?? '') &&
        'the ServiceMonitor looks in another namespace',
      !monitor.spec.endpoints.every((e) => e.port === 'metrics' && names.includes(e.port)) &&
        'the ServiceMonitor scrapes a port the Service does not name metrics',
    );
  },
  externalSecret: (r) => {
    const external = one(r, 'ExternalSecret') as Resource & {
      spec: { target: { name: string }; data: { secretKey: string }[] };
    };
    const keys = external.spec.data.map((d) => d.secretKey);
    const needed = secretEnv(container(r))
      .map((e) => e.valueFrom?.secretKeyRef?.key ?? '')
      .filter((key) => key !== 'SLACK_APP_TOKEN');
    return problems(
      external.spec.target.name !== SECRET_NAME && `the ExternalSecret makes ${external.spec.target.name}`,
      ...needed.map((key) => !keys.includes(key) && `the ExternalSecret has no ${key}`),
      ...keys.map(
        (key) => !needed.includes(key) && `the ExternalSecret has ${key}, which the pod does not read`,
      ),
    );
  },
};

const MODES: Mode[] = ['http', 'socket-mode'];

describe.each(MODES)('overlays/%s, rendered', (mode) => {
  const rendered = render(mode);
  it.each(Object.keys(CHECKS))('%s: no problems', (name) => {
    expect(CHECKS[name]?.(rendered)).toEqual([]);
  });
});

interface Breakage {
  readonly mode: Mode;
  readonly check: string;
  readonly mutate: (r: Rendered) => void;
}
const http = (check: string, mutate: (r: Rendered) => void): Breakage => ({ mode: 'http', check, mutate });
const socket = (check: string, mutate: (r: Rendered) => void): Breakage => ({
  mode: 'socket-mode',
  check,
  mutate,
});
const set = <T extends object>(target: T | undefined, patch: Partial<T>) =>
  void Object.assign(target ?? {}, patch);
const envVar = (r: Rendered, name: string) => container(r).env?.find((e) => e.name === name);
const secretRef = (r: Rendered, name: string) => envVar(r, name)?.valueFrom?.secretKeyRef;
const policy = (r: Rendered) => all<NetworkPolicy>(r, 'NetworkPolicy')[0]?.spec;
const fromSecret = (key: string): EnvVar => ({
  name: key,
  valueFrom: { secretKeyRef: { name: SECRET_NAME, key } },
});
const OTHER_PODS = { matchLabels: { app: 'other' } };

const BROKEN: Record<string, Breakage> = {
  'one replica': http('replicas', (r) => set(deployment(r).spec, { replicas: 1 })),
  'a rollout that stops a pod first': http('replicas', (r) =>
    set(deployment(r).spec, { strategy: { rollingUpdate: { maxUnavailable: 1 } } }),
  ),
  'a budget for other pods': http('disruption', (r) =>
    set(one(r, 'PodDisruptionBudget').spec as object, { selector: OTHER_PODS }),
  ),
  'liveness on /health': http('probes', (r) => set(container(r).livenessProbe?.httpGet, { path: '/health' })),
  'readiness on /healthz': socket('probes', (r) =>
    set(container(r).readinessProbe?.httpGet, { path: '/healthz' }),
  ),
  'a container port that is not PORT': http('probes', (r) =>
    set(container(r).ports?.[0], { containerPort: 8080 }),
  ),
  'a short startup budget': http('probes', (r) => set(container(r).startupProbe, { failureThreshold: 12 })),
  'a writable root filesystem': http('security', (r) =>
    set(container(r).securityContext, { readOnlyRootFilesystem: false }),
  ),
  root: socket('security', (r) => set(container(r).securityContext, { runAsUser: 0 })),
  'an added capability': http('security', (r) =>
    set(container(r).securityContext, { capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } }),
  ),
  'privilege escalation': http('security', (r) =>
    set(container(r).securityContext, { allowPrivilegeEscalation: true }),
  ),
  'an API token in the pod': http('security', (r) => set(pod(r), { automountServiceAccountToken: true })),
  'another Secret': http('environment', (r) => set(secretRef(r, 'SLACK_BOT_TOKEN'), { name: 'slack' })),
  'a misspelt key': http('environment', (r) => set(secretRef(r, 'DATABASE_URL'), { key: 'DATABASE_ULR' })),
  'a variable nobody reads': http('environment', (r) => set(envVar(r, 'LOG_LEVEL'), { name: 'LOGLEVEL' })),
  'a token written inline': http('environment', (r) =>
    set(envVar(r, 'SLACK_BOT_TOKEN'), { value: 'xoxb-1-2-3', valueFrom: undefined }),
  ),
  'an app token in HTTP mode': http(
    'environment',
    (r) => void container(r).env?.push(fromSecret('SLACK_APP_TOKEN')),
  ),
  'Socket Mode without its token': socket('environment', (r) =>
    set(container(r), { env: container(r).env?.filter((e) => e.name !== 'SLACK_APP_TOKEN') }),
  ),
  latest: http('image', (r) => set(container(r), { image: 'registry.example.com/jitbot:latest' })),
  'no tag': http('image', (r) => set(container(r), { image: 'registry.example.com/jitbot' })),
  'the catalog elsewhere': http('catalog', (r) =>
    set(envVar(r, 'JITBOT_CATALOG'), { value: '/app/jitbot.yaml' }),
  ),
  'a catalog variable the pod lacks': http('catalog', (r) => {
    const data = one(r, 'ConfigMap').data as Labels;
    data['jitbot.yaml'] =
      data['jitbot.yaml']?.replace('{JITBOT_EXTERNAL_ID_PROD}', '{JITBOT_EXTERNAL_ID_PRD}') ?? '';
  }),
  'no time to stop': http('stopping', (r) => set(pod(r), { terminationGracePeriodSeconds: 30 })),
  'no IRSA annotation': http('identity', (r) => set(one(r, 'ServiceAccount').metadata, { annotations: {} })),
  'a Service for other pods': http('service', (r) =>
    set(one<Service>(r, 'Service').spec, { selector: { app: 'x' } }),
  ),
  'a policy for other pods': http('network', (r) => set(policy(r), { podSelector: OTHER_PODS })),
  'no HTTPS out': socket('network', (r) =>
    set(policy(r), { egress: policy(r)?.egress?.filter((rule) => !rule.ports?.some((p) => p.port === 443)) }),
  ),
  'the HTTP port open in Socket Mode': socket(
    'network',
    (r) =>
      void policy(r)?.ingress?.push({
        from: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
        ports: [{ port: 'http' }],
      }),
  ),
  'a public /healthz': http('ingress', (r) => {
    const spec = one(r, 'Ingress').spec as { rules: { http: { paths: Record<string, unknown>[] } }[] };
    const backend = { service: { name: 'jitbot', port: { name: 'http' } } };
    spec.rules[0]?.http.paths.push({ path: '/', pathType: 'Prefix', backend });
  }),
  'a ServiceMonitor on another port': http('monitoring', (r) =>
    set(one(r, 'ServiceMonitor').spec as object, { endpoints: [{ port: 'web' }] }),
  ),
};

describe('each check fails on a broken copy', () => {
  it.each(Object.entries(BROKEN))('%s', (_description, { mode, check, mutate }) => {
    const rendered = structuredClone(render(mode));
    mutate(rendered);
    expect(CHECKS[check]?.(rendered).length, `${check} in overlays/${mode}`).toBeGreaterThan(0);
  });
});

describe('the model of kustomize', () => {
  const scratch = (kustomization: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'jitbot-kustomize-'));
    writeFileSync(join(dir, 'kustomization.yaml'), kustomization);
    return dir;
  };

  it('refuses a kustomization that names a missing file, or uses what it does not model', () => {
    const missing = scratch('resources: [deployment.yaml]\n');
    const unmodelled = scratch('commonLabels: { app: jitbot }\n');
    try {
      expect(() => build(missing)).toThrow(/names deployment.yaml, which does not exist/);
      expect(() => build(unmodelled)).toThrow(/uses commonLabels: model it in this test/);
    } finally {
      for (const dir of [missing, unmodelled]) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the pods the catalog of the base, and Socket Mode the app token, as kustomize would', () => {
    const base = build(join(KUBE, 'base')).resources;
    const socketMode = render('socket-mode');
    expect(base.map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`).sort()).toEqual([
      'ConfigMap/jitbot/jitbot-catalog',
      'Deployment/jitbot/jitbot',
      'NetworkPolicy/jitbot/jitbot',
      'PodDisruptionBudget/jitbot/jitbot',
      'Service/jitbot/jitbot',
      'ServiceAccount/jitbot/jitbot',
    ]);
    expect(container(socketMode).env?.at(-1)).toEqual({
      name: 'SLACK_APP_TOKEN',
      valueFrom: { secretKeyRef: { name: SECRET_NAME, key: 'SLACK_APP_TOKEN' } },
    });
    expect(one<Service>(socketMode, 'Service').spec.ports.map((p) => p.name)).toEqual(['metrics']);
  });
});

describe('the files', () => {
  const yamlFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(path);
      return entry.name.endsWith('.yaml') ? [path] : [];
    });

  it('every YAML file parses, and every file of base and overlays is used by a kustomization', () => {
    for (const file of yamlFiles(KUBE)) {
      for (const document of parseAllDocuments(read(file))) expect(document.errors, shown(file)).toEqual([]);
    }
    const used = new Set(MODES.flatMap((mode) => [...build(join(KUBE, 'overlays', mode)).files]));
    const unused = [...yamlFiles(join(KUBE, 'base')), ...yamlFiles(join(KUBE, 'overlays'))].filter(
      (f) => !used.has(f),
    );
    expect(unused.map(shown)).toEqual([]);
  });

  it('hold no secret value: no Secret, no token, no password in a URL', () => {
    for (const file of yamlFiles(KUBE)) {
      const text = read(file);
      expect(text, shown(file)).not.toMatch(/xox[abpe]-\w|xapp-\d|postgres(ql)?:\/\/[^\s/:@]+:[^\s/@]+@/);
      expect(text, shown(file)).not.toMatch(/^kind:\s*Secret\s*$/m);
    }
  });

  it('deploy the image of this release, whose user the pods run as', () => {
    const { version } = JSON.parse(read(join(ROOT, 'package.json'))) as { version: string };
    for (const mode of MODES)
      expect(container(render(mode)).image).toMatch(new RegExp(`:${version.replace(/\./g, '\\.')}$`));
    expect(dockerUid).toBeGreaterThan(0);
  });

  it('route the same Slack path the app manifest calls', () => {
    const manifest = read(join(ROOT, 'slack', 'manifest.yaml'));
    expect(manifest).toContain(`https://jitbot.example.com${SLACK_EVENTS_PATH}`);
    const spec = one(render('http'), 'Ingress').spec as { rules: { host: string }[] };
    expect(spec.rules.map((rule) => rule.host)).toEqual(['jitbot.example.com']);
  });
});

describe('infra/kubernetes/README.md', () => {
  const readme = read(join(KUBE, 'README.md'));

  it('names only files and kustomizations that exist', () => {
    const commands = [...readme.matchAll(/kubectl apply (-[kf]) ([\w./-]+)/g)];
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const [, flag, path = ''] of commands) {
      const target = join(ROOT, path);
      expect(existsSync(flag === '-k' ? join(target, 'kustomization.yaml') : target), path).toBe(true);
    }
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] ?? '');
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(existsSync(join(KUBE, link)), link).toBe(true);
  });

  it("lists every key of the Secret that a pod reads, and the Deployment's catalog path", () => {
    for (const mode of MODES) {
      const c = container(render(mode));
      for (const e of secretEnv(c)) expect(readme).toContain(`| \`${e.valueFrom?.secretKeyRef?.key}\` |`);
      expect(readme).toContain(catalogPath(render(mode)));
    }
  });

  it('gives the IRSA trust policy the namespace and service account the manifests use', () => {
    const rendered = render('http');
    const namespace = deployment(rendered).metadata.namespace;
    expect(readme).toContain(`system:serviceaccount:${namespace}:${pod(rendered).serviceAccountName}`);
  });
});
