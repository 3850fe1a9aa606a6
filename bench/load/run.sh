#!/usr/bin/env bash
# Load benchmark (issue #16 item 4): the platform as the AppHost starts it (Aspire.Hosting.Testing: DCP, Postgres,
# RabbitMQ, every service, the scripted drafting model), a few hundred published and embedded scripts, then
# CLIENTS concurrent gRPC clients for SECONDS mixing Registry Search and Load, Executor Run and Intent
# ("find a script that ...", "run X with ..." then Confirm yes). Baseline per operation: its p50 with ONE
# client alone, measured just before, in the same run. Memory: each service process's RSS (VmRSS) before
# and after the load (target: growth < 20%). Any error other than an intended limit fails the run.
# Usage: bench/load/run.sh [--clients N] [--seconds S] [--scripts N] [--solo-seconds S]   (needs root: the sandbox)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export SCRIPTPLATFORM_LOCAL_DIR="${SCRIPTPLATFORM_LOCAL_DIR:-/tmp/scriptplatform-bench-load}"
dotnet build bench/load/ScriptPlatform.Bench.Load.csproj -c Release -nologo -v:quiet -clp:NoSummary
exec dotnet bench/load/bin/Release/net10.0/ScriptPlatform.Bench.Load.dll "$@"
