import fastifyMultipart from "@fastify/multipart";
import type { Database, Prisma } from "@league/db";
import { describePolicyIO } from "@league/envs";
import { z } from "zod";
import { authenticateRequest } from "../auth.js";
import { ApiError } from "../errors.js";
import type { PlatformEvents } from "../feed.js";
import { applyVersionCap } from "../league/versions.js";
import {
  PROBE_RETRY_AFTER_S,
  ProbeSlots,
  ProbesBusyError,
  type ValidatedOnnxSubmission,
  validateAnySubmission,
} from "../submissions/onnx.js";
import { MAX_ARTIFACT_BYTES, SubmissionError, type ValidatedSubmission } from "../submissions/validate.js";
import { checkSubmissionQuota, publishSubmitted, registerVersion } from "./agent-versions.js";
import type { Api } from "./api.js";
import { AgentName, ErrorBody } from "./schemas.js";

export interface SubmissionLimits {
  /** New versions an owner may submit per rolling 24 hours. */
  perOwnerPerDay: number;
  /** Versions per agent that play at full rate; older ones are kept in reserve, playing less often. */
  activeVersionsPerAgent: number;
  /** ONNX models probed at once across uploads (ONNX_PROBES, default 2): more are refused with 503. */
  probeSlots?: ProbeSlots;
}

const MAX_FILES = 16;

const SubmissionCreated = z.object({
  agentId: z.string(),
  versionId: z.string(),
  version: z.number().int(),
  status: z.string(),
  parameters: z.number().int(),
});

export async function submissionRoutes(
  app: Api,
  db: Database,
  events: PlatformEvents | null,
  limits: SubmissionLimits,
): Promise<void> {
  const probeSlots = limits.probeSlots ?? new ProbeSlots(2);
  await app.register(fastifyMultipart, {
    // Enforced while streaming: a part over the limit stops the upload at once.
    limits: {
      fileSize: MAX_ARTIFACT_BYTES,
      files: MAX_FILES,
      fields: 4,
      fieldSize: 1024,
      parts: MAX_FILES + 4,
      headerPairs: 200,
    },
    throwFileSizeLimit: true,
  });

  app.post(
    "/api/v1/submissions",
    {
      schema: {
        summary: "Submit a new version of an agent: a checkpoint folder as multipart files",
        description:
          "Fields: `agent` (the agent's name; created on first submission). Files: `agent.json`, `model.json` and the weight files it names, exactly as `league train` writes them (or `agent.json` and `model.onnx` for an ONNX model). Everything is validated before anything is stored. An ONNX model is loaded and run on probe observations in a process of its own; while the server probes as many as it runs at once (`ONNX_PROBES`, 2), another is answered 503 `probes_busy` with `Retry-After` (seconds), nothing stored: send it again then.",
        tags: ["agents"],
        security: [{ apiKey: [] }],
        consumes: ["multipart/form-data"],
        response: {
          201: SubmissionCreated,
          400: ErrorBody,
          401: ErrorBody,
          413: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { owner } = await authenticateRequest(db.prisma, request);
      if (!request.isMultipart())
        throw new ApiError(400, "not_multipart", "send the checkpoint as multipart/form-data");

      const files = new Map<string, Uint8Array>();
      let agentName: string | undefined;
      let total = 0;
      try {
        for await (const part of request.parts()) {
          if (part.type === "field") {
            if (part.fieldname !== "agent")
              throw new ApiError(
                400,
                "unknown_field",
                `unknown field "${part.fieldname}"; send \`agent\` and files`,
              );
            agentName = String(part.value);
            continue;
          }
          const name = part.filename || part.fieldname;
          if (files.has(name)) throw new ApiError(400, "duplicate_file", `${name} was sent twice`);
          const bytes = await part.toBuffer();
          total += bytes.byteLength;
          if (total > MAX_ARTIFACT_BYTES)
            throw new ApiError(413, "too_large", `the upload exceeds ${MAX_ARTIFACT_BYTES} bytes`);
          files.set(name, new Uint8Array(bytes));
        }
      } catch (error) {
        if (error instanceof ApiError) throw error;
        const code = (error as { code?: string }).code;
        if (code === "FST_REQ_FILE_TOO_LARGE")
          throw new ApiError(413, "too_large", `a file exceeds ${MAX_ARTIFACT_BYTES} bytes`);
        if (code === "FST_FILES_LIMIT" || code === "FST_PARTS_LIMIT")
          throw new ApiError(413, "too_many_files", `at most ${MAX_FILES} files`);
        if (code === "FST_FIELDS_LIMIT") throw new ApiError(400, "too_many_fields", "too many fields");
        throw new ApiError(
          400,
          "malformed_upload",
          `the multipart body could not be read: ${(error as Error).message}`,
        );
      }
      const name = AgentName.safeParse(agentName);
      if (!name.success)
        throw new ApiError(400, "invalid_agent_name", `agent: ${name.error.issues[0]!.message}`);

      // Early, to spare the validation; checked again under the owner's lock when storing.
      await checkSubmissionQuota(db.prisma, owner.id, limits.perOwnerPerDay);

      let validated: ValidatedSubmission | ValidatedOnnxSubmission;
      try {
        validated = await validateAnySubmission(
          files,
          (m) => describePolicyIO(m.env, m.observationBuilder, m.actionParser),
          probeSlots,
        );
      } catch (error) {
        if (error instanceof ProbesBusyError) {
          reply.header("retry-after", String(PROBE_RETRY_AFTER_S));
          throw new ApiError(503, "probes_busy", error.message);
        }
        if (error instanceof SubmissionError) {
          throw new ApiError(error.code === "too_large" ? 413 : 422, error.code, error.message);
        }
        throw error;
      }

      const { stored, reply: body } = await registerVersion(db.prisma, {
        ownerId: owner.id,
        agent: { name: name.data, kind: "model" },
        data: {
          envId: validated.manifest.env,
          manifest: validated.manifest as unknown as Prisma.InputJsonValue,
          artifact: new Uint8Array(validated.artifact),
          artifactSize: validated.artifact.byteLength,
          artifactSha256: validated.sha256,
          status: "pending",
        },
        perOwnerPerDay: limits.perOwnerPerDay,
        // Older versions beyond the cap become reserve: still on the ladder, at a lower rate.
        also: (tx, created) => applyVersionCap(tx, created.agent.id, limits.activeVersionsPerAgent),
        reply: (created) =>
          SubmissionCreated.parse({
            agentId: created.agent.id,
            versionId: created.version.id,
            version: created.version.version,
            status: created.version.status,
            parameters: validated.parameters,
          }),
      });
      publishSubmitted(events, stored, owner.name);
      reply.code(201);
      return body;
    },
  );
}
