#!/usr/bin/env bash
# Generation benchmark: Generate's own overhead (extraction, static inspection, the sandbox smoke run, bookkeeping,
# gRPC) over a scripted OpenAI-compatible model's latency; baseline = the model call alone, in the same run.
# Usage: bench/generation/run.sh [RUNS] [MODEL_LATENCY_MS]   (./build.sh bench generation); needs root and bubblewrap.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/generation/ScriptPlatform.Bench.Generation.csproj -c Release -nologo -v:quiet -clp:NoSummary
exec dotnet bench/generation/bin/Release/net10.0/ScriptPlatform.Bench.Generation.dll "$@"
