// Interop of one running platform service with a stock third-party client (@grpc/grpc-js +
// @grpc/proto-loader): the part of grpc-interop.test.js that holds for every service.
//
//   GRPC_TARGET      "host:port" of the running service
//   GRPC_SERVICE     the full name of its service, e.g. scriptplatform.registry.v1.RegistryService
//   GRPC_ERROR_CALL  JSON for one rpc of that service that must fail with INVALID_ARGUMENT:
//                    {"method": "GetScript", "request": {...}, "metadata": {"authorization": "Bearer ..."}, "details": "..."}
//                    request uses the proto's field names (snake_case); metadata and details (a text
//                    the status message must contain) are optional. Unary and server-streaming rpcs work.
//   GRPC_PROTO_ROOT  optional: the folder whose .proto files are loaded (default: the repository's protos/)
//
// C# tests run it with ScriptPlatform.Testing's NodeInterop.RunAsync("service-interop.test.js", ...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const required = (name, what) => {
  const value = process.env[name];
  assert.ok(value, `${name} must be set to ${what}`);
  return value;
};
const target = required('GRPC_TARGET', 'host:port of the service under test');
const serviceName = required('GRPC_SERVICE', 'the full name of the service, e.g. scriptplatform.registry.v1.RegistryService');
const errorCall = JSON.parse(required('GRPC_ERROR_CALL', 'JSON {"method": ..., "request": {...}} of an rpc that fails with INVALID_ARGUMENT'));
assert.ok(errorCall.method, 'GRPC_ERROR_CALL needs a "method"');

const here = path.dirname(fileURLToPath(import.meta.url));
const protoRoot = process.env.GRPC_PROTO_ROOT || path.resolve(here, '..', '..', 'protos');
const loaderOptions = { keepCase: true, enums: String, longs: Number, defaults: true };

const protoFiles = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return protoFiles(full);
    return entry.name.endsWith('.proto') ? [path.relative(protoRoot, full)] : [];
  });

const definition = protoLoader.loadSync(protoFiles(protoRoot), { ...loaderOptions, includeDirs: [protoRoot] });
assert.ok(definition[serviceName], `${serviceName} is not defined by the .proto files under ${protoRoot}`);
const Service = grpc.makeGenericClientConstructor(definition[serviceName], serviceName);

const grpcProtos = path.join(here, 'protos');
const load = (file) => grpc.loadPackageDefinition(protoLoader.loadSync(file, { ...loaderOptions, includeDirs: [grpcProtos] }));
const health_pb = load('grpc/health/v1/health.proto').grpc.health.v1;
const reflection_pb = load('grpc/reflection/v1/reflection.proto').grpc.reflection.v1;
const reflectionAlpha_pb = load('grpc/reflection/v1alpha/reflection.proto').grpc.reflection.v1alpha;

const insecure = grpc.credentials.createInsecure();
const deadline = () => Date.now() + 30_000;

const unary = (client, method, request, metadata = new grpc.Metadata()) =>
  new Promise((resolve, reject) =>
    client[method](request, metadata, { deadline: deadline() }, (err, reply) => (err ? reject(err) : resolve(reply))));

const serverStream = (client, method, request, metadata) =>
  new Promise((resolve, reject) => {
    const replies = [];
    const call = client[method](request, metadata, { deadline: deadline() });
    call.on('data', (reply) => replies.push(reply));
    call.on('error', reject);
    call.on('end', () => resolve(replies));
  });

/** Sends the requests over one ServerReflectionInfo stream and collects the answers. */
const reflect = (pb, ...requests) =>
  new Promise((resolve, reject) => {
    const reflection = new pb.ServerReflection(target, insecure);
    const call = reflection.ServerReflectionInfo({ deadline: deadline() });
    const answers = [];
    call.on('data', (answer) => answers.push(answer));
    call.on('error', reject);
    call.on('end', () => {
      reflection.close();
      resolve(answers);
    });
    for (const request of requests) call.write(request);
    call.end();
  });

/** A FileDescriptorSet (field 1: repeated FileDescriptorProto) around the serialized files reflection returns. */
const fileDescriptorSet = (files) =>
  Buffer.concat(files.flatMap((file) => {
    const length = [];
    for (let n = file.length; ; n >>>= 7) {
      if (n < 0x80) { length.push(n); break; }
      length.push((n & 0x7f) | 0x80);
    }
    return [Buffer.from([0x0a, ...length]), file];
  }));

test('health check of the server is SERVING', async () => {
  const health = new health_pb.Health(target, insecure);
  assert.equal((await unary(health, 'Check', { service: '' })).status, 'SERVING');
  health.close();
});

for (const [version, pb] of [['v1', reflection_pb], ['v1alpha', reflectionAlpha_pb]]) {
  test(`reflection ${version} lists the service and health`, async () => {
    const [answer] = await reflect(pb, { list_services: '' });
    const names = answer.list_services_response.service.map((s) => s.name);
    assert.ok(names.includes(serviceName), names.join(','));
    assert.ok(names.includes('grpc.health.v1.Health'), names.join(','));
  });
}

test('reflection describes the service as its .proto does', async () => {
  const [answer] = await reflect(reflection_pb, { file_containing_symbol: serviceName });
  assert.ok(answer.file_descriptor_response, `no file descriptor: ${JSON.stringify(answer.error_response)}`);
  const described = protoLoader.loadFileDescriptorSetFromBuffer(
    fileDescriptorSet(answer.file_descriptor_response.file_descriptor_proto), loaderOptions);
  assert.ok(described[serviceName], `the returned files do not define ${serviceName}`);
  assert.deepEqual(Object.keys(described[serviceName]).sort(), Object.keys(definition[serviceName]).sort());
});

test(`${errorCall.method} with an invalid argument fails with INVALID_ARGUMENT`, async () => {
  const method = definition[serviceName][errorCall.method];
  assert.ok(method, `${serviceName} has no rpc ${errorCall.method}`);
  assert.ok(!method.requestStream, 'GRPC_ERROR_CALL must name a unary or server-streaming rpc');
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(errorCall.metadata ?? {})) metadata.set(key, value);
  const client = new Service(target, insecure);
  const call = method.responseStream
    ? serverStream(client, errorCall.method, errorCall.request ?? {}, metadata)
    : unary(client, errorCall.method, errorCall.request ?? {}, metadata);
  await assert.rejects(call, (err) => {
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT, `expected INVALID_ARGUMENT, got ${grpc.status[err.code]}: ${err.details}`);
    assert.ok(err.details, 'the status has no message');
    if (errorCall.details) assert.ok(err.details.includes(errorCall.details), `"${err.details}" does not contain "${errorCall.details}"`);
    return true;
  });
  client.close();
});
