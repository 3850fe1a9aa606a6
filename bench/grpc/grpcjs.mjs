// The @grpc/grpc-js side of the benchmark: a server implementing bench.proto, and a client that
// measures it the same way BenchClient.cs does.
//   node grpcjs.mjs server <port>
//   node grpcjs.mjs client <client-name> <seconds> <rounds> <name=host:port>...
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const here = path.dirname(fileURLToPath(import.meta.url));
const bench = grpc.loadPackageDefinition(
  protoLoader.loadSync(path.join(here, 'bench.proto'), { keepCase: true, longs: Number, defaults: true })).scriptplatform.bench.v1;

const [mode, ...args] = process.argv.slice(2);

if (mode === 'server') {
  const server = new grpc.Server();
  server.addService(bench.BenchService.service, {
    Echo: (call, callback) => callback(null, { text: call.request.text, id: call.request.id }),
  });
  server.bindAsync(`127.0.0.1:${args[0]}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    console.log(`listening on ${port}`);
  });
} else if (mode === 'client') {
  // Same method as BenchClient.cs: interleaved rounds over the servers, median round reported.
  const [clientName, seconds, rounds, ...targets] = args;
  const servers = targets.map((t) => {
    const [name, address] = t.split('=');
    const client = new bench.BenchService(address, grpc.credentials.createInsecure());
    const echo = (request) => new Promise((resolve, reject) => client.Echo(request, (err, reply) => (err ? reject(err) : resolve(reply))));
    return { name, echo };
  });

  const measure = async (echo, concurrency, durationMs) => {
    const start = performance.now();
    const end = start + durationMs;
    const perWorker = await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
      const request = { text: 'hello from the benchmark', id: worker };
      const latencies = [];
      while (performance.now() < end) {
        const callStart = performance.now();
        const reply = await echo(request);
        latencies.push(performance.now() - callStart);
        if (reply.id !== worker) throw new Error('Reply for another request.');
      }
      return latencies;
    }));
    const latencies = perWorker.flat();
    return { callsPerSecond: latencies.length / ((performance.now() - start) / 1000), latencies };
  };

  const concurrencies = [1, 64];
  for (const { echo } of servers) for (const c of concurrencies) await measure(echo, c, 750);
  const samples = new Map();
  for (let round = 0; round < Number(rounds); round++) {
    for (const c of concurrencies) {
      for (const { name, echo } of servers) {
        const key = `${name}|${c}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push(await measure(echo, c, Number(seconds) * 1000));
      }
    }
  }

  for (const [key, list] of samples) {
    const [server, concurrency] = key.split('|');
    const median = list.map((s) => s.callsPerSecond).sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const latencies = list.flatMap((s) => s.latencies).sort((a, b) => a - b);
    const percentile = (p) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
    console.log(JSON.stringify({
      label: `${server}/${clientName}`, concurrency: Number(concurrency), callsPerSecond: median, p50Ms: percentile(0.5), p99Ms: percentile(0.99),
    }));
  }
  process.exit(0);
} else {
  console.error('usage: node grpcjs.mjs server <port> | client <client-name> <seconds> <rounds> <name=host:port>...');
  process.exit(2);
}
