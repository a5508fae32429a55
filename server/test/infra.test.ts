// The deployment files cannot run here (no Docker engine, no cluster): check that they parse and
// say what the platform needs — every role, health probes on the real endpoint, and only
// environment variables the processes really read.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { SERVER_ENV_VARS } from "../src/config.js";

const INFRA = path.resolve(import.meta.dirname, "../../infra");
// Read by the web site (web/lib/api.ts) and by Kubernetes itself for PUBLIC_ADDRESS's expansion.
const WEB_ENV_VARS = ["LEAGUE_API_URL", "LEAGUE_PUBLIC_SERVER_PORT"];
const PLATFORM_VARS = ["POD_IP"];
const known = new Set([...SERVER_ENV_VARS, ...WEB_ENV_VARS, ...PLATFORM_VARS]);

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked by path; a wrong path fails the assertion
type Doc = Record<string, any>;

describe("docker-compose.yml", () => {
  const compose = parse(readFileSync(path.join(INFRA, "docker-compose.yml"), "utf8"), { merge: true }) as Doc;
  const services = compose.services as Record<string, Doc>;

  it("runs PostgreSQL, Redis, two servers, two workers and the web", () => {
    expect(Object.keys(services).sort()).toEqual([
      "postgres",
      "redis",
      "server-1",
      "server-2",
      "web",
      "worker",
    ]);
    expect(services.worker!.deploy.replicas).toBe(2);
    expect(services.worker!.command).toEqual(["node", "server/dist/worker.js"]);
    for (const s of ["server-1", "server-2"])
      expect(services[s]!.command).toEqual(["node", "server/dist/main.js"]);
  });

  it("gives servers and workers the shared database and Redis, and checks server health on /api/v1/health", () => {
    for (const name of ["server-1", "server-2", "worker"]) {
      const env = services[name]!.environment as Record<string, string>;
      expect(env.DATABASE_URL).toMatch(/^postgresql:\/\/.*@postgres:5432\//);
      expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
    }
    for (const s of ["server-1", "server-2"])
      expect(services[s]!.healthcheck.test.join(" ")).toContain("/api/v1/health");
  });

  it("sets only variables the processes read", () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === "postgres" || name === "redis") continue;
      for (const key of Object.keys(service.environment ?? {}))
        expect(known, `${name}: ${key}`).toContain(key);
    }
  });
});

describe("Kubernetes manifests", () => {
  const docs = ["config.yaml", "server.yaml", "worker.yaml", "web.yaml"].flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(INFRA, "k8s", file), "utf8")).map((d) => {
      expect(d.errors, file).toEqual([]);
      return d.toJS() as Doc;
    }),
  );
  const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

  it("deploy servers, workers and the web, with services and a worker autoscaler", () => {
    for (const name of ["league-server", "league-worker", "league-web"])
      expect(find("Deployment", name)).toBeDefined();
    for (const name of ["league-server", "league-web"]) expect(find("Service", name)).toBeDefined();
    const hpa = find("HorizontalPodAutoscaler", "league-worker")!;
    expect(hpa.apiVersion).toBe("autoscaling/v2");
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "league-worker" });
    expect(hpa.spec.minReplicas).toBeLessThan(hpa.spec.maxReplicas);
  });

  it("probe the servers' readiness and liveness on /api/v1/health, on the port they listen on", () => {
    const server = find("Deployment", "league-server")!.spec.template.spec.containers[0];
    expect(server.readinessProbe.httpGet.path).toBe("/api/v1/health");
    // Liveness must not fail while only the database is away (reliability.test checks the endpoint).
    expect(server.livenessProbe.httpGet.path).toBe("/api/v1/health?probe=liveness");
    for (const probe of [server.readinessProbe, server.livenessProbe])
      expect(probe.httpGet.port).toBe("http");
    expect(server.ports[0]).toMatchObject({ name: "http", containerPort: 2567 });
    const serviceSelector = find("Service", "league-server")!.spec.selector;
    expect(find("Deployment", "league-server")!.spec.template.metadata.labels).toMatchObject(serviceSelector);
  });

  it("set only variables the processes read, from the Secret and ConfigMap that exist", () => {
    const secret = find("Secret", "agent-league")!;
    const config = find("ConfigMap", "agent-league")!;
    for (const key of [...Object.keys(secret.stringData), ...Object.keys(config.data)])
      expect(known).toContain(key);
    for (const d of docs.filter((x) => x.kind === "Deployment")) {
      for (const c of d.spec.template.spec.containers) {
        for (const e of c.env ?? []) expect(known, `${d.metadata.name}: ${e.name}`).toContain(e.name);
        for (const from of c.envFrom ?? []) {
          const ref = from.secretRef ?? from.configMapRef;
          expect(find(from.secretRef ? "Secret" : "ConfigMap", ref.name), ref.name).toBeDefined();
        }
      }
    }
  });
});
