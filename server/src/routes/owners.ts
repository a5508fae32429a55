import { type Database, Prisma } from "@league/db";
import { z } from "zod";
import { authenticateRequest, generateApiKey } from "../auth.js";
import { ApiError } from "../errors.js";
import type { Api } from "./api.js";
import { inOwnerTransaction } from "./owner-lock.js";
import { ErrorBody, storableText } from "./schemas.js";

export interface OwnerLimits {
  /** Unrevoked API keys an owner may hold (API_KEYS_PER_OWNER): keys must not multiply rate limits. */
  apiKeysPerOwner: number;
}

const KeyLabel = storableText(64);

const OwnerName = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, _ . - (starting with a letter or digit)");

const ApiKeyView = z
  .object({
    id: z.string(),
    prefix: z.string(),
    label: z.string().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: "ApiKey" });

const NewKey = z.object({
  id: z.string(),
  prefix: z.string(),
  key: z.string().meta({ description: "shown once: store it now, only its hash is kept" }),
});

type KeyRow = {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};
const keyView = (k: KeyRow) => ({
  id: k.id,
  prefix: k.prefix,
  label: k.label,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

const security = [{ apiKey: [] }];

export function ownerRoutes(app: Api, db: Database, limits: OwnerLimits): void {
  app.post(
    "/api/v1/owners",
    {
      schema: {
        summary: "Sign up: create an owner and its first API key (shown once)",
        tags: ["owners"],
        body: z.object({
          name: OwnerName,
          email: z.email().max(254).optional(),
          keyLabel: KeyLabel.optional(),
        }),
        response: {
          201: z.object({ owner: z.object({ id: z.string(), name: z.string() }), apiKey: NewKey }),
          400: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { name, email, keyLabel } = request.body;
      const key = await generateApiKey();
      try {
        const owner = await db.prisma.owner.create({
          data: {
            name,
            email: email ?? null,
            apiKeys: { create: { prefix: key.prefix, hash: key.hash, label: keyLabel ?? "first key" } },
          },
          include: { apiKeys: true },
        });
        reply.code(201);
        return {
          owner: { id: owner.id, name: owner.name },
          apiKey: { id: owner.apiKeys[0]!.id, prefix: key.prefix, key: key.key },
        };
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
          throw new ApiError(409, "owner_name_taken", `the name "${name}" is taken; choose another`);
        }
        throw error;
      }
    },
  );

  app.get(
    "/api/v1/owners/me",
    {
      schema: {
        summary: "The owner of the API key, with its keys",
        tags: ["owners"],
        security,
        response: {
          200: z.object({
            id: z.string(),
            name: z.string(),
            createdAt: z.string(),
            apiKeys: z.array(ApiKeyView),
          }),
          401: ErrorBody,
        },
      },
    },
    async (request) => {
      const { owner } = await authenticateRequest(db.prisma, request);
      const keys = await db.prisma.apiKey.findMany({
        where: { ownerId: owner.id },
        orderBy: { createdAt: "asc" },
      });
      return {
        id: owner.id,
        name: owner.name,
        createdAt: owner.createdAt.toISOString(),
        apiKeys: keys.map(keyView),
      };
    },
  );

  app.post(
    "/api/v1/owners/me/keys",
    {
      schema: {
        summary: "Create another API key (shown once)",
        tags: ["owners"],
        security,
        body: z.object({ label: KeyLabel.optional() }).optional(),
        response: { 201: NewKey, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { owner } = await authenticateRequest(db.prisma, request);
      const key = await generateApiKey();
      const row = await inOwnerTransaction(db.prisma, owner.id, async (tx) => {
        const live = await tx.apiKey.count({ where: { ownerId: owner.id, revokedAt: null } });
        if (live >= limits.apiKeysPerOwner)
          throw new ApiError(
            429,
            "api_key_limit",
            `you hold ${live} unrevoked API keys, the most allowed; revoke one (DELETE /api/v1/owners/me/keys/{keyId}) first`,
          );
        return tx.apiKey.create({
          data: { ownerId: owner.id, prefix: key.prefix, hash: key.hash, label: request.body?.label ?? null },
        });
      });
      reply.code(201);
      return { id: row.id, prefix: key.prefix, key: key.key };
    },
  );

  app.delete(
    "/api/v1/owners/me/keys/:keyId",
    {
      schema: {
        summary: "Revoke an API key; it stops working at once",
        tags: ["owners"],
        security,
        params: z.object({ keyId: z.uuid() }),
        response: { 200: ApiKeyView, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { owner } = await authenticateRequest(db.prisma, request);
      const key = await db.prisma.apiKey.findFirst({
        where: { id: request.params.keyId, ownerId: owner.id },
      });
      if (!key) throw new ApiError(404, "api_key_not_found", "no such key among yours");
      const revoked = await db.prisma.apiKey.update({
        where: { id: key.id },
        data: { revokedAt: key.revokedAt ?? new Date() },
      });
      return keyView(revoked);
    },
  );
}
