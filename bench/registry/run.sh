#!/usr/bin/env bash
# Registry benchmark: search quality (labelled set) and speed/memory at 100,000 scripts over gRPC.
# Usage: bench/registry/run.sh [--scripts N] [--durable] [--verbose] [--quality-only | --field-sweep]   (./build.sh bench registry)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/ScriptPlatform.Registry/ScriptPlatform.Registry.csproj -c Release -nologo -v:quiet -clp:NoSummary
dotnet build bench/registry/ScriptPlatform.Registry.Bench.csproj -c Release -nologo -v:quiet -clp:NoSummary
exec dotnet bench/registry/bin/Release/net10.0/ScriptPlatform.Registry.Bench.dll \
  --registry "$ROOT/src/ScriptPlatform.Registry/bin/Release/net10.0/ScriptPlatform.Registry.dll" "$@"
