// The records and corrections commands against the real server on loopback: the ID number of --subject travels in
// the request body, never in a URL; history and report-error take the handle a read printed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../testing/db.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { sharingFixture } from '../../testing/fixtures.js';
import { memoryIo } from '../io.js';
import { run } from '../program.js';

describeEachEngine('records commands', (getPlatform) => {
  let server: TestServer;
  let f: Awaited<ReturnType<typeof sharingFixture>>;
  const urls: string[] = [];
  // The real fetch, noting each URL the CLI asks for.
  const noting: typeof fetch = (input, init) => {
    urls.push(new Request(input, init).url);
    return fetch(input, init);
  };
  const cli = async (token: string, args: string[]) => {
    const io = memoryIo({ fetch: noting, env: { GOVSHARE_URL: server.url, GOVSHARE_TOKEN: token } });
    const code = await run(args, io);
    return { code, out: io.stdout(), err: io.stderr() };
  };

  before(async () => {
    const platform = await getPlatform();
    server = await startTestServer(platform);
    f = await sharingFixture(platform, server.url);
    const grant = await f.api(f.consumer.token)('POST', '/api/v1/sharing/requests', {
      dataset: f.ds.unconditional,
      fields: ['citizen_id', 'person_name', 'phone'],
      clearFields: ['citizen_id'], // looking people up by ID number needs it in clear
      purposes: ['contact_tracing'],
      purposeText: 'Tracing contacts of case GD010',
      legalBasis: '《传染病防治法》第十二条',
      periodEnd: f.inAWeek,
    });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
  });
  after(async () => server.close());

  test('records read --subject, history and report-error by handle; no ID number in any URL', async () => {
    const id = f.people[2]!.citizen_id;
    const ds = f.ds.unconditional;
    const read = await cli(f.consumer.token, [
      'records',
      'read',
      ds,
      '--purpose',
      'contact_tracing',
      '--subject',
      id,
      '--json',
    ]);
    assert.equal(read.code, 0, read.err);
    const page = JSON.parse(read.out);
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0].data.citizen_id, id, 'granted in clear, as a lookup by person needs');
    assert.equal(page.items[0].data.phone, `${f.people[2]!.phone.slice(0, 3)}****${f.people[2]!.phone.slice(-4)}`);
    const handle: string = page.items[0].handle;
    assert.match(handle, /^h1_/);
    const table = await cli(f.consumer.token, ['records', 'read', ds, '--purpose', 'contact_tracing', '--subject', id]);
    assert.match(table.out, /^citizen_id +person_name +phone +HANDLE\n/);
    assert.ok(table.out.includes(handle), 'the table shows the handle to use next');
    const hist = await cli(f.consumer.token, [
      'records',
      'history',
      ds,
      '--purpose',
      'contact_tracing',
      '--json',
      '--',
      handle,
    ]);
    assert.equal(hist.code, 0, hist.err);
    assert.equal(JSON.parse(hist.out).items.length, 1);
    const rep = await cli(f.consumer.token, [
      'records',
      'report-error',
      ds,
      '--field',
      'phone',
      '--description',
      '号码错误 (wrong number)',
      '--json',
      '--',
      handle,
    ]);
    assert.equal(rep.code, 0, rep.err);
    assert.equal(JSON.parse(rep.out).handle, handle);
    const mine = await cli(f.consumer.token, ['corrections', 'list', '--role', 'reporter']);
    assert.ok(mine.out.includes(handle), 'the reporter sees its own handle');
    const owners = await cli(f.owner.token, ['corrections', 'list', '--role', 'owner', '--json']);
    const ownHandle = JSON.parse(owners.out).items[0].handle;
    assert.notEqual(ownHandle, handle, 'the owner sees the record under its own handle');
    const ownHist = await cli(f.owner.token, ['records', 'history', ds, '--', ownHandle]);
    assert.equal(ownHist.code, 0, ownHist.err);
    assert.match(ownHist.out, /error reports\n[^]*号码错误/);
    const byKey = await cli(f.owner.token, ['records', 'read', ds, '--key', id, '--json']);
    assert.equal(JSON.parse(byKey.out).data.citizen_id, id);
    assert.ok(urls.length >= 7);
    for (const u of urls) assert.ok(!decodeURIComponent(u).includes(id), `no ID number in ${u}`);
  });
});
