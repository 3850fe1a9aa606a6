#!/usr/bin/env bash
# gRPC benchmark: unary Echo calls/s, sequential and 64 concurrent, for
#   the grpc-dotnet server (AddGrpcServerDefaults, as every service) x {Grpc.Net.Client, @grpc/grpc-js client}
#   a @grpc/grpc-js server implementing the same proto               x the same two clients
# all in one run, each server in its own process; prints a table with ratios against the grpc-js server
# and writes the results and the common figures to bench/results/grpc.json (kept out of git).
# The machine is shared, so servers are measured in interleaved rounds and the median round is kept.
#   bench/grpc/run.sh [seconds per measurement] [rounds]   (default 1.5 s x 5 rounds: about 1.5 minutes)
set -euo pipefail
load_start="$(cut -d" " -f1-3 /proc/loadavg)"
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
seconds="${1:-1.5}"
rounds="${2:-5}"
dotnet_port="${BENCH_DOTNET_PORT:-7191}"
grpcjs_port="${BENCH_GRPCJS_PORT:-7192}"

[ -d node_modules/@grpc/grpc-js ] || npm ci --no-audit --no-fund >/dev/null
dotnet build -c Release --nologo -v q ScriptPlatform.Bench.Grpc.csproj
bench="dotnet bin/Release/net10.0/ScriptPlatform.Bench.Grpc.dll"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

$bench server "$dotnet_port" >/dev/null & pids+=($!)
node grpcjs.mjs server "$grpcjs_port" >/dev/null & pids+=($!)
for port in "$dotnet_port" "$grpcjs_port"; do
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done

results="$(mktemp)"
trap 'cleanup; rm -f "$results"' EXIT
targets=("grpc-dotnet=127.0.0.1:$dotnet_port" "grpc-js=127.0.0.1:$grpcjs_port")
echo "measuring with the Grpc.Net.Client ($rounds interleaved rounds of ${seconds}s per server and concurrency) ..." >&2
$bench client dotnet "$seconds" "$rounds" "${targets[@]}" >>"$results"
echo "measuring with the @grpc/grpc-js client ..." >&2
node grpcjs.mjs client grpc-js "$seconds" "$rounds" "${targets[@]}" >>"$results"
$bench report "$results" "$load_start"
