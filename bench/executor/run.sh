#!/usr/bin/env bash
# Executor benchmark, one run, ratios from the same run (needs root: per-slot sandbox uids):
#   1. 2,000 trivial jobs through RabbitMQ with 2 sandbox slots vs the same jobs run bare by 2 parallel python3 processes
#      (and, for reference, bare with a lean driver that skips `import json`, as the sandbox harness does)
#   2. the same batch with warm mode on
#   3. synchronous Run over gRPC: p50 latency vs the sandbox's own time for the same job
# Each run prints its ratios beside the load average it ran under, and where each mode's CPU went per job (this
# process, i.e. the Executor; the processes it started, i.e. python; Postgres; RabbitMQ). --runs N repeats 1 and 2
# N times; the figures written are the worst run's.
# Starts its own Postgres and RabbitMQ.   bench/executor/run.sh [jobs] [sync runs] [--runs N]   (default 2000 200, 1 run)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release --nologo -v q bench/executor/ScriptPlatform.Bench.Executor.csproj
exec dotnet bench/executor/bin/Release/net10.0/ScriptPlatform.Bench.Executor.dll "$@"
