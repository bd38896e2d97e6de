import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../../http/context.js';
import type { App } from '../../http/types.js';
import type { RuleSet } from '../rules/index.js';
import { inForceRuleSet, listPublishedRuleSets, publishNewRuleSet, showRuleSet } from './service.js';

const tags = ['health codes'];

// Bodies are checked for their shape here (a 400 names the field); what the shape cannot say (semantic versions,
// division codes, dates, colours, CertLogic) is the rule-set validator's, answered with 422 and every problem.
const Text = Type.Object(
  { 'zh-CN': Type.String({ maxLength: 2000 }), en: Type.String({ maxLength: 2000 }) },
  { additionalProperties: false },
);
const RuleSchema = Type.Object(
  {
    id: Type.String({ maxLength: 64 }),
    colour: Type.String({ description: 'yellow or red', maxLength: 16 }),
    description: Text,
    logic: Type.Unknown({ description: 'A CertLogic expression over the person’s facts; true means the rule fires' }),
    evidence: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
  },
  { title: 'Rule', additionalProperties: false },
);
const RuleSetSchema = Type.Object(
  {
    id: Type.String({ maxLength: 64 }),
    version: Type.String({ maxLength: 64, description: 'Semantic version (semver.org 2.0.0)' }),
    region: Type.String({ maxLength: 6, description: 'GB/T 2260 division code the set applies to' }),
    validFrom: Type.String({ maxLength: 40, description: 'ISO 8601 date or date-time (inclusive)' }),
    validTo: Type.String({ maxLength: 40, description: 'ISO 8601 date or date-time (exclusive)' }),
    description: Text,
    rules: Type.Array(RuleSchema, { maxItems: 500 }),
  },
  {
    title: 'RuleSet',
    additionalProperties: false,
    description: 'A versioned CertLogic rule set (src/healthcode/rules/types.ts)',
  },
);
const Stored = Type.Object(
  {
    ruleSet: RuleSetSchema,
    publishedBy: Type.String(),
    publishedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'StoredRuleSet' },
);
const Region = Type.String({ pattern: '^\\d{6}$', description: 'GB/T 2260 division code' });

export function registerRuleSetRoutes(app: App): void {
  app.get(
    '/api/v1/rule-sets',
    {
      schema: {
        tags,
        summary: 'Published health-code rule sets, newest first (public)',
        querystring: Type.Object({ region: Type.Optional(Region) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Stored) }), ...errors },
      },
    },
    async (req) => ({ items: await listPublishedRuleSets(ctxOf(req), req.query.region) }),
  );
  app.get(
    '/api/v1/rule-sets/in-force',
    {
      schema: {
        tags,
        summary: 'The rule set in force for a region at a time (public; default the node’s region, now)',
        querystring: Type.Object(
          { region: Type.Optional(Region), at: Type.Optional(Type.String({ format: 'date-time' })) },
          { additionalProperties: false },
        ),
        response: { 200: Stored, ...errors },
      },
    },
    async (req) =>
      inForceRuleSet(ctxOf(req), req.query.region, req.query.at === undefined ? undefined : new Date(req.query.at)),
  );
  app.get(
    '/api/v1/rule-sets/:id/:version',
    {
      schema: {
        tags,
        summary: 'One published version of a rule set (public)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }), version: Type.String({ maxLength: 64 }) }),
        response: { 200: Stored, ...errors },
      },
    },
    async (req) => showRuleSet(ctxOf(req), req.params.id, req.params.version),
  );
  app.post(
    '/api/v1/rule-sets',
    {
      schema: {
        tags,
        summary: 'Publish a rule set version (administrator); 200 when the identical version is already published',
        security: bearer,
        body: RuleSetSchema,
        response: { 200: Stored, 201: Stored, ...errors },
      },
    },
    async (req, reply) => {
      const { stored, created } = await publishNewRuleSet(ctxOf(req), req.body as RuleSet);
      return reply.status(created ? 201 : 200).send(stored);
    },
  );
}
