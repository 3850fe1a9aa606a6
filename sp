#!/usr/bin/env bash
# Runs the `sp` CLI from any working directory, building it first when its sources changed.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
PROJECT="$ROOT/src/ScriptPlatform.Cli"
DLL="$PROJECT/bin/Release/net10.0/sp.dll"
if [ ! -f "$DLL" ] || [ -n "$(find "$ROOT/src" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" \
      \( -name '*.cs' -o -name '*.csproj' -o -name '*.proto' -o -name '*.props' -o -name '*.py' \) \
      -newer "$DLL" -not -path '*/obj/*' -not -path '*/bin/*' -print -quit)" ]; then
  if ! out="$(dotnet build "$PROJECT" -c Release -nologo -v:quiet 2>&1)"; then
    echo "$out" >&2
    exit 1
  fi
fi
exec dotnet "$DLL" "$@"
