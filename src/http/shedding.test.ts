import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { RunningPlatform } from '../node/platform.js';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer } from '../testing/server.js';

const OFF = { maxEventLoopDelayMs: 0, maxHeapUsedBytes: 0, maxEventLoopUtilization: 0, maxInFlight: 0 };

/** Blocks this process's event loop (where the server runs) for `ms`, as a long synchronous job would. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* busy */
  }
}

async function expectShed(res: Response): Promise<void> {
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After');
  assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
  const body = (await res.json()) as any;
  assert.equal(body.code, 'overloaded');
  assert.equal(body.status, 503);
}

describeEachEngine('load shedding', (getPlatform) => {
  let platform: RunningPlatform;
  let token: string;
  before(async () => {
    platform = await getPlatform();
    token = (await makeDepartment(platform.db)).token;
  });

  test('over the heap threshold every request but /healthz is answered 503 with Retry-After and a problem', async () => {
    const server = await startTestServer(platform, {
      limits: { ...OFF, maxHeapUsedBytes: 1, sampleIntervalMs: 10, pressureGraceMs: 0 },
    });
    try {
      let shed: Response | undefined;
      for (let i = 0; i < 500 && !shed; i++) {
        const res = await fetch(`${server.url}/api/v1/datasets`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status === 503) shed = res;
        else await res.arrayBuffer();
      }
      assert.ok(shed, 'a 503 appeared');
      await expectShed(shed);
      const anon = await fetch(`${server.url}/api/v1/elements`);
      await expectShed(anon);
      assert.deepEqual((await client(server.url)('GET', '/healthz')).body, { status: 'ok' });
    } finally {
      await server.close();
    }
  });

  test('a blocked event loop sheds POST /api/v1/checks while /healthz keeps answering', async () => {
    const server = await startTestServer(platform, {
      limits: { ...OFF, maxEventLoopDelayMs: 50, sampleIntervalMs: 100, pressureGraceMs: 0, pressureMinInFlight: 0 },
    });
    try {
      const check = () =>
        fetch(`${server.url}/api/v1/checks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ code: 'GSHC1:x' }),
        });
      let shed: Response | undefined;
      let healthy = 0;
      for (let i = 0; i < 50 && !shed; i++) {
        block(400);
        const [res, health] = await Promise.all([check(), fetch(`${server.url}/healthz`)]);
        if (health.status === 200) healthy += 1;
        await health.arrayBuffer();
        if (res.status === 503) shed = res;
        else await res.arrayBuffer();
      }
      assert.ok(shed, 'a 503 appeared');
      await expectShed(shed);
      assert.ok(healthy > 0, '/healthz answered 200 meanwhile');
    } finally {
      await server.close();
    }
  });

  test('a slow event loop with only one request at a time (a long job, not an overload) is not shed', async () => {
    const server = await startTestServer(platform, {
      limits: { ...OFF, maxEventLoopDelayMs: 50, sampleIntervalMs: 100, pressureGraceMs: 0, pressureMinInFlight: 16 },
    });
    try {
      const api = client(server.url, token);
      for (let i = 0; i < 5; i++) {
        block(400);
        assert.equal((await api('GET', '/api/v1/datasets')).status, 200);
      }
    } finally {
      await server.close();
    }
  });

  test('past the in-flight limit requests are shed with 503 until one finishes; /healthz answers meanwhile', async () => {
    const server = await startTestServer(platform, { limits: { ...OFF, maxInFlight: 2 } });
    const open: ClientRequest[] = [];
    try {
      // Two requests whose bodies are still arriving hold both places.
      const body = '{"code": "GSHC1:x"}';
      const held = [0, 1].map(() => {
        const req = request(`${server.url}/api/v1/checks`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
          },
        });
        const res = new Promise<IncomingMessage>((resolve, reject) => {
          req.on('response', resolve);
          req.on('error', reject);
        });
        req.write(body.slice(0, 5));
        open.push(req);
        return { req, res };
      });
      let shed: Response | undefined;
      for (let i = 0; i < 500 && !shed; i++) {
        const res = await fetch(`${server.url}/api/v1/datasets`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status === 503) shed = res;
        else await res.arrayBuffer();
      }
      assert.ok(shed, 'a 503 appeared while two requests were in flight');
      await expectShed(shed);
      assert.deepEqual((await client(server.url)('GET', '/healthz')).body, { status: 'ok' });
      for (const h of held) {
        h.req.end(body.slice(5));
        const res = await h.res;
        res.resume();
        assert.ok((res.statusCode ?? 500) < 500, `the held request was answered ${res.statusCode}`);
      }
      assert.equal((await client(server.url, token)('GET', '/api/v1/datasets')).status, 200, 'served again after');
    } finally {
      for (const r of open) r.destroy(); // so that close does not wait for them after a failure
      await server.close();
    }
  });
});
