#!/usr/bin/env bash
# ScriptPlatform build entry point: ./build.sh build | test | up | bench [NAME | --list] | faults
# `test` and `up` install what they need on Debian/Ubuntu (apt packages, npm modules) first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
CONFIGURATION="${CONFIGURATION:-Debug}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# System packages the tests and the platform need (Debian names).
#   libicu72: Unicode normalisation for the embedding model's tokenizer (no invariant globalization)
#   postgresql, rabbitmq-server: real servers, started per test run / by the AppHost
#   bubblewrap, python3, python3-seccomp: the sandbox; podman, runc, debootstrap: the OCI runner and its offline image
#   hyperfine: benchmarks; chromium: the dashboard test drives it headless (Playwright)
SYSTEM_PACKAGES=(libicu72 postgresql rabbitmq-server bubblewrap python3 python3-seccomp podman runc debootstrap hyperfine util-linux procps chromium)

usage() {
  cat <<USAGE
Usage: ./build.sh <command>

  build          build the solution (warnings are errors)
  test           install prerequisites, build, run every test (.NET + gRPC interop)
  up [--fresh] [--containers]
                 install prerequisites, build, start the Aspire AppHost: Postgres, RabbitMQ, every service,
                 worker replicas and the dashboard on http://127.0.0.1:7100 (Ctrl+C stops all; --fresh wipes
                 .local/; --containers runs Postgres and RabbitMQ as podman containers built offline)
  bench [NAME [ARGS]] | --list
                 run every benchmark (bench/*/run.sh, default sizes; one failing does not stop the others) and
                 print one table: each figure beside its baseline measured in the same run, the ratio, the
                 target and whether it was met; writes bench/results/NAME.json and bench/results/summary.json.
                 NAME: run only that one (ARGS go to its run.sh) and print its rows; --list: list the benchmarks
  faults [--ci]  the fault tests at full size (a 5,000-job batch through a SIGKILLed worker and a RabbitMQ restart,
                 Postgres stopped under publish load, the Registry killed under load, two worker hosts in network
                 namespaces, one lost mid-batch, Qdrant unreachable twice under publish and search load: back with
                 its data, then back empty), printing what each measured; --ci: the reduced size that
                 ./build.sh test runs (needs root: sandbox uids, ip netns)
USAGE
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || { log "not a Debian/Ubuntu system: install ${SYSTEM_PACKAGES[*]} yourself"; return 0; }
  local missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local apt=(apt-get install -y "${missing[@]}")
  if [ "$(id -u)" -eq 0 ]; then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    log "installing ${missing[*]} (sudo)"
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null
  else
    echo "Missing system packages. Run:" >&2
    echo "  sudo apt-get update && sudo ${apt[*]}" >&2
    exit 1
  fi
}

ensure_npm_modules() {
  local dir
  for dir in tests/interop bench/grpc; do
    [ -f "$dir/package.json" ] || continue
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      log "npm ci in $dir"
      npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
      touch "$dir/node_modules"
    fi
  done
}

build() {
  local target="${1:-ScriptPlatform.sln}"
  log "dotnet build $target ($CONFIGURATION)"
  dotnet build "$target" -c "$CONFIGURATION" -nologo -clp:NoSummary -v:minimal
}

# Server processes (Postgres, RabbitMQ/Erlang, epmd, watchdogs, Aspire's DCP and the services it ran)
# that outlived the tests: they carry the tests' local folder in their arguments or environment.
leftover_servers() {
  ps -eww e -o pid=,stat=,comm=,args= |
    awk -v root="$SCRIPTPLATFORM_LOCAL_DIR" '$2 !~ /^Z/ && $3 ~ /^(postgres|beam\.smp|epmd|erl_child_setup|inet_gethost|sh|sleep|dcp|ScriptPlatform\.)$/ && index($0, root) > 0' || true
}

run_tests() {
  ensure_system_packages
  ensure_npm_modules
  # The OCI images (the sandbox's runner, the AppHost's container mode) download and unpack Debian
  # packages while the solution compiles; the tests wait for them.
  local images_log images_pid=""
  images_log="$(mktemp)"
  if [ -x scripts/oci-image.sh ] && command -v podman >/dev/null 2>&1; then
    log "OCI images (in the background)"
    scripts/oci-image.sh python postgres rabbitmq >"$images_log" 2>&1 &
    images_pid=$!
  fi
  build
  if [ -n "$images_pid" ]; then
    wait "$images_pid" || log "OCI images could not be built; the tests that need them say why"
    cat "$images_log" >&2
  fi
  rm -f "$images_log"

  # Servers started by this checkout's tests live here (and are reaped here after an aborted run).
  export SCRIPTPLATFORM_LOCAL_DIR="${SCRIPTPLATFORM_LOCAL_DIR:-/tmp/scriptplatform-test-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)}"

  log "dotnet test"
  local out status=0
  out="$(mktemp)"
  dotnet test ScriptPlatform.sln -c "$CONFIGURATION" --no-build -nologo \
    --blame-hang-timeout 10m --blame-hang-dump-type none --results-directory "$ROOT/TestResults" 2>&1 | tee "$out" || status=$?

  # One closing line over every test assembly.
  # An assembly whose test host was stopped (a test hung past the blame timeout) counts as one failure.
  awk '/Test Run Aborted/ { f += 1 }
       /^(Passed|Failed)! +- /{ gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
       END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$out"
  grep -q -E '^(Passed|Failed)! +- ' "$out" || { echo "no test assembly reported results" >&2; status=1; }
  rm -f "$out"

  # DCP finishes removing what an Aspire test stopped a few seconds after the test run returns.
  local left
  for _ in $(seq 1 20); do
    left="$(leftover_servers)"
    [ -z "$left" ] && break
    sleep 1
  done
  if [ -n "$left" ]; then
    echo "Servers left running after the tests:" >&2
    echo "$left" >&2
    status=1
  fi
  return "$status"
}

up() {
  local fresh=0 containers=0 args=()
  for arg in "$@"; do
    case "$arg" in
      --fresh) fresh=1 ;;
      # Postgres and RabbitMQ as podman containers, from images built offline (once) by scripts/oci-image.sh.
      --containers) containers=1; args+=(--AppHost:Containers=true) ;;
      *) args+=("$arg") ;;
    esac
  done
  ensure_system_packages
  build AppHost/ScriptPlatform.AppHost.csproj   # and the services it runs
  if [ "$containers" -eq 1 ]; then
    log "container images (built once, offline)"
    scripts/oci-image.sh postgres rabbitmq
  fi
  if [ "$fresh" -eq 1 ]; then
    log "--fresh: removing the platform's data (.local/)"
    rm -rf "$ROOT/.local"
  fi
  log "starting the platform (Ctrl+C or SIGTERM stops everything)"
  cat >&2 <<ENDPOINTS
  dashboard   http://127.0.0.1:7100   (resources, logs, traces, metrics)
  intent      http://127.0.0.1:7101   generation http://127.0.0.1:7102   (gRPC, h2c; once built)
  registry    http://127.0.0.1:7103   executor   http://127.0.0.1:7104   (gRPC, h2c)
ENDPOINTS
  # The launch profile serves the dashboard on plain HTTP on loopback (AppHost/Properties/launchSettings.json).
  exec dotnet run --project AppHost --no-build -c "$CONFIGURATION" --launch-profile http -- "${args[@]}"
}

# The benches in the issue's order, then any other bench/*/run.sh.
bench_names() {
  local n f listed=" grpc registry sandbox executor generation intent load "
  for n in $listed; do if [ -x "bench/$n/run.sh" ]; then echo "$n"; fi; done
  for f in bench/*/run.sh; do
    n="$(basename "$(dirname "$f")")"
    if [ -x "$f" ] && [[ "$listed" != *" $n "* ]]; then echo "$n"; fi
  done
}

# The table of figures (bench/report): every row beside its baseline from the same run.
bench_report() {
  local out
  out="$(dotnet build bench/report/ScriptPlatform.Bench.Report.csproj -c Release -nologo -v q -clp:NoSummary 2>&1)" || { echo "$out" >&2; return 1; }
  dotnet bench/report/bin/Release/net10.0/ScriptPlatform.Bench.Report.dll "$@"
}

# One bench; its old bench/results/NAME.json goes first, so a failed run cannot show the last run's figures.
bench_run() {
  local name="$1"; shift
  rm -f "bench/results/$name.json"
  log "bench $name (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "bench/$name/run.sh" "$@"
}

bench() {
  local name="${1:-}"
  if [ "$name" = "--list" ]; then
    echo "Benchmarks:"; bench_names | sed 's/^/  /'
    return 0
  fi
  ensure_system_packages
  ensure_npm_modules
  if [ -z "$name" ]; then
    # Every bench at its default size, in turn; one failing does not stop the others.
    local failed=() report=(--summary)
    for name in $(bench_names); do
      bench_run "$name" || { echo "bench $name: FAILED (exit status $?)" >&2; failed+=("$name"); report+=(--failed "$name"); }
    done
    log "all benchmarks: figures and their baselines, each measured in the same run"
    bench_report "${report[@]}" $(bench_names)
    [ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}" >&2; return 1; }
    return 0
  fi
  shift
  if [ ! -x "bench/$name/run.sh" ]; then
    echo "bench '$name': not yet (no bench/$name/run.sh)." >&2
    return 2
  fi
  local status=0
  bench_run "$name" "$@" || status=$?
  if [ "$status" -eq 0 ]; then bench_report "$name"; else bench_report --failed "$name" "$name"; fi
  return "$status"
}

faults() {
  local size=full
  for arg in "$@"; do
    case "$arg" in
      --ci) size=ci ;;
      *) echo "faults: unknown option $arg" >&2; return 2 ;;
    esac
  done
  ensure_system_packages
  build tests/ScriptPlatform.Faults.Tests/ScriptPlatform.Faults.Tests.csproj
  export SCRIPTPLATFORM_LOCAL_DIR="${SCRIPTPLATFORM_LOCAL_DIR:-/tmp/scriptplatform-faults-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)}"
  log "fault tests ($size size; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  # The detailed console logger prints each test's measurements (jobs, duplicates, losses, recovery times).
  SCRIPTPLATFORM_FAULTS="$size" dotnet test tests/ScriptPlatform.Faults.Tests/ScriptPlatform.Faults.Tests.csproj \
    -c "$CONFIGURATION" --no-build -nologo --logger "console;verbosity=detailed"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  build) build ;;
  test) run_tests ;;
  up) up "$@" ;;
  bench) bench "$@" ;;
  faults) faults "$@" ;;
  -h|--help|help|"") usage ;;
  *) usage; exit 2 ;;
esac
