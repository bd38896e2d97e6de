import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import {
  AreaPatch,
  CaseInput,
  DeclareInput,
  Division,
  DivisionStatus,
  LiftInput,
  ListQuery,
  RiskArea,
} from './schema.js';
import {
  changeArea,
  declareArea,
  divisionStatus,
  getArea,
  liftArea,
  listAreas,
  recordCase,
  sweepNow,
} from './service.js';

const tags = ['risk areas'];
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const At = Type.Object(
  {
    at: Type.Optional(Type.String({ format: 'date-time', description: 'The time `inForce` refers to (default now)' })),
  },
  { additionalProperties: false },
);

export function registerRiskAreaRoutes(app: App): void {
  app.get(
    '/api/v1/risk-areas',
    {
      schema: {
        tags,
        summary: 'Risk areas, newest first (public)',
        querystring: ListQuery,
        response: { 200: Type.Object({ total: Type.Integer(), items: Type.Array(RiskArea) }), ...errors },
      },
    },
    async (req) => listAreas(ctxOf(req), req.query),
  );
  app.get(
    '/api/v1/risk-areas/divisions/:division',
    {
      schema: {
        tags,
        summary:
          'Whether a county (or every county of a city or province) is back to routine: no high- or medium-risk area in force (public)',
        params: Type.Object({ division: Division }, { additionalProperties: false }),
        querystring: At,
        response: { 200: DivisionStatus, ...errors },
      },
    },
    async (req) => divisionStatus(ctxOf(req), req.params.division, req.query.at),
  );
  app.post(
    '/api/v1/risk-areas/sweep',
    {
      schema: {
        tags,
        summary: 'Apply the 7-day rule now: lift every area without a new case for 7 days (administrator)',
        security: bearer,
        response: { 200: Type.Object({ lifted: Type.Array(Type.String()) }), ...errors },
      },
    },
    async (req) => ({ lifted: await sweepNow(ctxOf(req)) }),
  );
  app.get(
    '/api/v1/risk-areas/:id',
    {
      schema: {
        tags,
        summary: 'One risk area (public)',
        params: Id,
        querystring: At,
        response: { 200: RiskArea, ...errors },
      },
    },
    async (req) => getArea(ctxOf(req), req.params.id, req.query.at),
  );
  app.post(
    '/api/v1/risk-areas',
    {
      schema: {
        tags,
        summary: 'Declare a risk area (administrator: the emergency command)',
        security: bearer,
        body: DeclareInput,
        response: { 201: RiskArea, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await declareArea(ctxOf(req), req.body)),
  );
  app.post(
    '/api/v1/risk-areas/:id/cases',
    {
      schema: {
        tags,
        summary:
          'Record a new case in the area: the 7-day clock starts again (administrator; the body may be left out)',
        security: bearer,
        params: Id,
        body: CaseInput,
        response: { 200: RiskArea, ...errors },
      },
      // Every field is optional, so no body at all means "a case now".
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
    },
    async (req) => recordCase(ctxOf(req), req.params.id, req.body),
  );
  app.patch(
    '/api/v1/risk-areas/:id',
    {
      schema: {
        tags,
        summary: 'Change the level or places of an area in force (administrator)',
        security: bearer,
        params: Id,
        body: AreaPatch,
        response: { 200: RiskArea, ...errors },
      },
    },
    async (req) => changeArea(ctxOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/v1/risk-areas/:id/lift',
    {
      schema: {
        tags,
        summary: 'Lift an area by hand now (administrator); 409 when already lifted',
        security: bearer,
        params: Id,
        body: LiftInput,
        response: { 200: RiskArea, ...errors },
      },
    },
    async (req) => liftArea(ctxOf(req), req.params.id, req.body),
  );
}
