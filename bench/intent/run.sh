#!/usr/bin/env bash
# Intent benchmark, one run, baselines from the same run (needs root: per-slot sandbox uids):
#   1. Interpret of a deterministic phrasing over gRPC ("show versions of X" in an open session: parse,
#      session read, one Registry call) p50 vs the Registry's own GetStats p50 (target: p50 <= 5 ms)
#   2. a confirmed run ("yes" to a run card) p50 vs the Executor's own Run p50 of the same job,
#      interleaved (target: overhead <= 10 ms)
# Starts its own Postgres, RabbitMQ, Registry, Executor and Intent.   bench/intent/run.sh [calls] [runs]   (default 1000 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
export SCRIPTPLATFORM_LOCAL_DIR="${SCRIPTPLATFORM_LOCAL_DIR:-/tmp/scriptplatform-bench-intent}"
dotnet build -c Release --nologo -v q bench/intent/ScriptPlatform.Bench.Intent.csproj
exec dotnet bench/intent/bin/Release/net10.0/ScriptPlatform.Bench.Intent.dll "$@"
