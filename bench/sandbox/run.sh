#!/usr/bin/env bash
# Sandbox benchmark: cold and warm sandbox runs of a trivial job against bare python3, one run,
# ratios from the same run. Needs root (per-slot uids), bubblewrap and python3-seccomp.
#   bench/sandbox/run.sh [runs]    (default 200 cold/bare runs, 5x as many warm)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet run -c Release --project bench/sandbox/ScriptPlatform.Bench.Sandbox.csproj -- "$@"
