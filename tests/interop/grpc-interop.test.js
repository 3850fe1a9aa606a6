// Interop of the platform's gRPC server conventions (grpc-dotnet with ServiceDefaults'
// AddGrpcServerDefaults) with a stock third-party client (@grpc/grpc-js + @grpc/proto-loader).
// GRPC_TARGET is "host:port" of a running server with the test service, health and reflection
// (ScriptPlatform.ServiceDefaults.Tests/InteropTests starts one and runs this file).
// service-interop.test.js is the part that runs against any platform service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const target = process.env.GRPC_TARGET;
assert.ok(target, 'GRPC_TARGET must be set to host:port of the server under test');

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = (root, file) =>
  grpc.loadPackageDefinition(
    protoLoader.loadSync(file, { includeDirs: [root], keepCase: true, enums: String, longs: Number, defaults: true }));

const test_pb = load(path.join(repo, 'tests/ScriptPlatform.ServiceDefaults.Tests'), 'Protos/test.proto').scriptplatform.defaults.test.v1;
const grpcProtos = path.join(repo, 'tests/interop/protos');
const health_pb = load(grpcProtos, 'grpc/health/v1/health.proto').grpc.health.v1;
const reflection_pb = load(grpcProtos, 'grpc/reflection/v1/reflection.proto').grpc.reflection.v1;
const reflectionAlpha_pb = load(grpcProtos, 'grpc/reflection/v1alpha/reflection.proto').grpc.reflection.v1alpha;

const insecure = grpc.credentials.createInsecure();
const testClient = new test_pb.TestService(target, insecure);

const unary = (client, method, request, options = {}) =>
  new Promise((resolve, reject) =>
    client[method](request, new grpc.Metadata(), options, (err, reply) => (err ? reject(err) : resolve(reply))));

const rejectsWith = async (promise, code) => {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, `expected ${grpc.status[code]}, got ${grpc.status[err.code]}: ${err.details}`);
    return true;
  });
};

test('unary call', async () => {
  const reply = await unary(testClient, 'Echo', { message: 'from grpc-js' });
  assert.equal(reply.message, 'from grpc-js');
});

test('error status with message and trailers', async () => {
  await assert.rejects(unary(testClient, 'Echo', { message: 'e', fail_code: grpc.status.NOT_FOUND, fail_message: 'gone: 100% ü' }), (err) => {
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.equal(err.details, 'gone: 100% ü');
    assert.deepEqual(err.metadata.get('x-failure'), ['yes']);
    return true;
  });
});

test('metadata both ways', async () => {
  const metadata = new grpc.Metadata();
  metadata.set('x-echo', 'node');
  const headers = new Promise((resolve) => {
    const call = testClient.Echo({ message: 'md' }, metadata, (err) => assert.ifError(err));
    call.on('metadata', resolve);
  });
  assert.deepEqual((await headers).get('x-echo-header'), ['node']);
});

test('gzip-compressed request', async () => {
  const gzipClient = new test_pb.TestService(target, insecure, { 'grpc.default_compression_algorithm': 2 });
  const reply = await unary(gzipClient, 'Echo', { message: 'zipped', payload: Buffer.alloc(50000, 7) });
  assert.equal(reply.message, 'zipped');
  assert.equal(reply.payload_size, 50000);
  assert.equal(reply.request_encoding, 'gzip');
  gzipClient.close();
});

test('server streaming', async () => {
  const indexes = [];
  await new Promise((resolve, reject) => {
    const call = testClient.Count({ count: 5 });
    call.on('data', (reply) => indexes.push(reply.index));
    call.on('error', reject);
    call.on('end', resolve);
  });
  assert.deepEqual(indexes, [1, 2, 3, 4, 5]);
});

test('a deadline that expires', async () => {
  await rejectsWith(unary(testClient, 'Echo', { message: 'slow-js', delay_ms: 10000 }, { deadline: Date.now() + 200 }), grpc.status.DEADLINE_EXCEEDED);
});

test('unimplemented method', async () => {
  await rejectsWith(unary(testClient, 'NotImplemented', {}), grpc.status.UNIMPLEMENTED);
});

test('health check', async () => {
  const health = new health_pb.Health(target, insecure);
  assert.equal((await unary(health, 'Check', { service: '' })).status, 'SERVING');
  // Only "" (the whole server, from the ASP.NET Core health checks) is mapped; other names are NOT_FOUND.
  await rejectsWith(unary(health, 'Check', { service: 'scriptplatform.defaults.test.v1.TestService' }), grpc.status.NOT_FOUND);
  await rejectsWith(unary(health, 'Check', { service: 'nope' }), grpc.status.NOT_FOUND);
});

for (const [version, pb] of [['v1', reflection_pb], ['v1alpha', reflectionAlpha_pb]]) {
  test(`reflection ${version} lists services`, async () => {
    const reflection = new pb.ServerReflection(target, insecure);
    const answer = await new Promise((resolve, reject) => {
      const call = reflection.ServerReflectionInfo();
      call.on('data', resolve);
      call.on('error', reject);
      call.write({ list_services: '' });
      call.end();
    });
    const names = answer.list_services_response.service.map((s) => s.name);
    assert.ok(names.includes('scriptplatform.defaults.test.v1.TestService'), names.join(','));
    assert.ok(names.includes('grpc.health.v1.Health'), names.join(','));
  });
}

test('a malformed frame gets INTERNAL and the server keeps serving', async () => {
  const status = await new Promise((resolve, reject) => {
    const session = http2.connect(`http://${target}`);
    session.on('error', reject);
    const request = session.request({
      ':method': 'POST',
      ':path': '/scriptplatform.defaults.test.v1.TestService/Echo',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let grpcStatus;
    request.on('response', (headers) => { grpcStatus ??= headers['grpc-status']; });
    request.on('trailers', (trailers) => { grpcStatus ??= trailers['grpc-status']; });
    request.on('data', () => {});
    request.on('end', () => { session.close(); resolve(grpcStatus); });
    request.on('error', reject);
    // The prefix promises 100 bytes; only 3 follow.
    request.end(Buffer.from([0, 0, 0, 0, 100, 1, 2, 3]));
  });
  assert.equal(Number(status), grpc.status.INTERNAL);
  assert.equal((await unary(testClient, 'Echo', { message: 'after-malformed' })).message, 'after-malformed');
});

test('an oversized message gets RESOURCE_EXHAUSTED and the server keeps serving', async () => {
  await rejectsWith(unary(testClient, 'Echo', { payload: Buffer.alloc(4 * 1024 * 1024 + 1) }), grpc.status.RESOURCE_EXHAUSTED);
  assert.equal((await unary(testClient, 'Echo', { message: 'after-oversized' })).message, 'after-oversized');
});
