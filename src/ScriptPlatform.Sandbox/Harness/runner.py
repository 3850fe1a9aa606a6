"""ScriptPlatform sandbox harness: runs inside the sandbox (bubblewrap or an OCI container).

Protocol with the host supervisor (ScriptPlatform.Sandbox/Supervision):
  stdin   frames of  u32 big-endian length + UTF-8 JSON.
          The first frame loads the script: {"source", "filename", "dependencies", "site_paths",
          "max_processes", "rlimits", "warm"}; every later frame is one job: {"id", "params",
          "timeout", "cpu_seconds", "result_limit"}. End of input ends the harness.
  stdout  frames of  1 type byte + u32 big-endian length + payload:
          L  load outcome (JSON), O / E  a chunk of the job's stdout / stderr,
          R  the job's result (JSON with an "outcome" key).
  stderr  raw text: anything the script prints while it is imported, and harness crashes.

The harness is PID 1 of the sandbox's PID namespace. It applies the rlimits, imports the script
once, and runs every job in a forked child with its own pipes, a fresh scratch directory and the
module's state as it was after import. Cold mode is one job per harness; warm mode sends more
jobs to the same harness, so imports are paid once.
"""
import _json  # the C half of the json package, see "JSON" below
import _signal as signal  # the C module: the signal package builds enums we do not need
import os
import select
import struct
import sys
import time

SCRIPT_MODULE = "script"
SCRATCH_ROOTS = ("/tmp", "/dev/shm")
JOB_DIR = "/tmp/job"
READ_CHUNK = 65536
# How often the harness looks at the process table while a job runs (fork-bomb detection).
PROCESS_CHECK_SECONDS = 0.1

_proto_in = -1
_proto_out = -1
_source = ""  # the script's source, for tracebacks


# ---- JSON -----------------------------------------------------------------------------------------
# `import json` pulls in re, enum and functools: about 9 ms of CPU, half of a bare interpreter's
# start, paid again by every cold job. The package's own C accelerator (_json) does the actual
# work of json.loads/json.dumps, so the harness drives it directly, with json's defaults.

class _DecoderSettings:
    """The attributes _json.make_scanner reads from a json.JSONDecoder, as json.loads sets them."""
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}.__getitem__


_scan_json = _json.make_scanner(_DecoderSettings())


def json_loads(data):
    text = (data.decode() if isinstance(data, bytes) else data).strip(" \t\n\r")
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        raise ValueError("Expecting a JSON value") from None
    if end != len(text):
        raise ValueError(f"Extra data after the JSON value at offset {end}")
    return value


def _not_serialisable(value):
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_dumps(value, allow_nan=True):
    # A fresh encoder per call: its circular-reference markers must not outlive a failed call.
    encode = _json.make_encoder({}, _not_serialisable, _json.encode_basestring_ascii, None,
                                ": ", ", ", False, False, allow_nan)
    return "".join(encode(value, 0))


def _read_exact(n):
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(_proto_in, n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


class UnreadableFrame(Exception):
    """A whole frame arrived but Python cannot decode it (for example an integer beyond Python's
    4,300-digit limit, which the host's JSON parser accepts). The stream stays in step."""


def read_frame():
    header = _read_exact(4)
    if header is None:
        return None
    (length,) = struct.unpack(">I", header)
    body = _read_exact(length)
    if body is None:
        return None
    try:
        return json_loads(body)
    except (ValueError, RecursionError) as exc:
        raise UnreadableFrame(str(exc)) from None


def send_frame(kind, payload):
    data = kind + struct.pack(">I", len(payload)) + payload
    view = memoryview(data)
    while view:
        view = view[os.write(_proto_out, view):]


def send_json(kind, obj):
    send_frame(kind, json_dumps(obj).encode())


def _error_info(exc, script_file):
    import linecache
    import traceback

    # Tracebacks show the script's lines although the source never touched a file.
    linecache.cache[script_file] = (len(_source), None, _source.splitlines(True), script_file)

    frames = traceback.extract_tb(exc.__traceback__)
    # Only the script's frames help its author; the harness's own frames are noise.
    frames = [f for f in frames if f.filename == script_file] or frames
    lines = ["Traceback (most recent call last):\n"] + traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return {"type": type(exc).__name__, "message": str(exc), "traceback": "".join(lines)}


def _isolated():
    """True only as PID 1 of our own PID namespace (both runners start the harness so). Killing
    every signalable process and wiping /tmp is only safe there."""
    return os.getpid() == 1


def load(init):
    """Imports the script once. Returns (outcome, entry point or None)."""
    global _source
    source = _source = init["source"]
    filename = "/sandbox/" + init.get("filename", "script.py")
    for path in init.get("site_paths", []):
        sys.path.append(path)
    dependencies = init.get("dependencies", [])
    if dependencies:
        import importlib.util

        missing = []
        for name in dependencies:
            try:
                if importlib.util.find_spec(name) is None:
                    missing.append(name)
            except (ImportError, ValueError):
                missing.append(name)
        if missing:
            return {"outcome": "invalid", "kind": "missing_dependency",
                    "message": "declared dependencies are not installed in the sandbox: " + ", ".join(missing)}, None
    try:
        code = compile(source, filename, "exec")
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        return {"outcome": "invalid", "kind": "syntax_error",
                "message": f"{getattr(exc, 'msg', None) or exc}{where}"}, None
    module = type(sys)(SCRIPT_MODULE)
    module.__file__ = filename
    sys.modules[SCRIPT_MODULE] = module
    try:
        exec(code, module.__dict__)
    except MemoryError:
        return {"outcome": "killed", "kill_reason": "memory", "message": "out of memory while importing the script"}, None
    except BaseException as exc:  # the script's top level raised: report it like a job error
        return {"outcome": "error", "error": _error_info(exc, filename)}, None
    for name in ("execute", "main"):
        entry = getattr(module, name, None)
        if callable(entry):
            return {"outcome": "ok", "entry": name}, entry
    return {"outcome": "invalid", "kind": "no_entry_point",
            "message": "the script defines neither execute(params) nor main(params)"}, None


async def _await(awaitable):
    return await awaitable


def _shape(result):
    """The script format returns {"status", "data", "metadata"}; anything else is plain data."""
    if isinstance(result, dict) and result.keys() & {"status", "data", "metadata"}:
        status = result.get("status", "success")
        shaped = {"status": status, "data": result.get("data"), "metadata": result.get("metadata") or {}}
        if "error" in result:
            shaped["script_error"] = result["error"]
        return shaped
    return {"status": "success", "data": result, "metadata": {}}


def child(job, entry, w_out, w_err, w_res, script_file):
    os.setsid()
    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(w_out, 1)
    os.dup2(w_err, 2)
    os.dup2(w_res, 3)
    # Nothing the harness holds (protocol pipes, earlier jobs' descriptors) reaches the job.
    os.closerange(4, 65536)
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    os.makedirs(JOB_DIR, mode=0o700, exist_ok=True)
    os.chdir(JOB_DIR)
    os.environ["HOME"] = JOB_DIR
    os.environ["TMPDIR"] = JOB_DIR
    cpu = job.get("cpu_seconds")
    if cpu:
        import resource

        # RLIMIT_CPU counts from this fork, so each job gets its own CPU budget.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        result = entry(job.get("params", {}))
        if hasattr(result, "__await__"):
            import asyncio

            result = asyncio.run(_await(result))
        payload = _shape(result)
        payload["outcome"] = "error" if payload["status"] == "error" else "success"
        try:
            text = json_dumps(payload, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            text = json_dumps({"outcome": "invalid", "kind": "result_not_serialisable",
                               "message": f"the result is not JSON-serialisable: {exc}"})
    except MemoryError:
        text = json_dumps({"outcome": "killed", "kill_reason": "memory", "message": "out of memory"})
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are script errors too
        text = json_dumps({"outcome": "error", "error": _error_info(exc, script_file)})
    sys.stdout.flush()
    sys.stderr.flush()
    data = memoryview(text.encode())
    while data:
        data = data[os.write(3, data):]


def _count_processes():
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


def _kill_stragglers(pid, isolated):
    """Kills the job's whole tree: its session, and inside our own PID namespace every process
    but us and init, which catches double-forked grandchildren that left the session."""
    for target in ((-1,) if isolated else ()) + (-pid,):
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if isolated:  # as PID 1 we inherit orphans and must reap them
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass


def run_job(job, entry, init, isolated, script_file):
    r_out, w_out = os.pipe()
    r_err, w_err = os.pipe()
    r_res, w_res = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            child(job, entry, w_out, w_err, w_res, script_file)
        finally:
            os._exit(0)
    for fd in (w_out, w_err, w_res):
        os.close(fd)

    timeout = job.get("timeout") or 3600
    result_limit = job.get("result_limit") or (1 << 20)
    max_processes = init.get("max_processes") or 0
    deadline = time.monotonic() + timeout
    kinds = {r_out: b"O", r_err: b"E"}
    result = bytearray()
    forced = None
    status = None
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    open_fds = {r_out, r_err, r_res}
    for fd in (*open_fds, pidfd):
        poller.register(fd, select.POLLIN)
    while open_fds or status is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 and forced is None and status is None:
            forced = {"outcome": "timeout", "message": f"wall-clock limit of {timeout:g} s reached"}
            _kill_stragglers(pid, isolated)
        wait = max(0.0, remaining)
        if isolated and max_processes:
            wait = min(wait, PROCESS_CHECK_SECONDS)
        for fd, _ in poller.poll(None if forced else wait * 1000):
            if fd == pidfd:
                try:
                    status = os.waitpid(pid, 0)[1]
                except ChildProcessError:
                    # A forced kill's _kill_stragglers reaped it already (as PID 1 it reaps every
                    # child): the outcome is the forced one, the status only ends the loop.
                    status = signal.SIGKILL
                poller.unregister(pidfd)
                os.close(pidfd)
                # The job is over: anything it left behind dies now so the pipes reach EOF.
                _kill_stragglers(pid, isolated)
                continue
            data = os.read(fd, READ_CHUNK)
            if not data:
                poller.unregister(fd)
                os.close(fd)
                open_fds.discard(fd)
            elif fd == r_res:
                result += data
                if len(result) > result_limit and forced is None:
                    forced = {"outcome": "killed", "kill_reason": "output",
                              "message": f"the result exceeds {result_limit} bytes"}
                    _kill_stragglers(pid, isolated)
            else:
                send_frame(kinds[fd], data)
        if forced is None and isolated and max_processes and status is None \
                and _count_processes() + 1 >= max_processes:
            forced = {"outcome": "killed", "kill_reason": "processes",
                      "message": f"process limit of {max_processes} reached"}
            _kill_stragglers(pid, isolated)
    if forced is not None:
        return forced
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        reasons = {signal.SIGXCPU: "cpu", signal.SIGXFSZ: "file_size"}
        return {"outcome": "killed", "kill_reason": reasons.get(sig, "signal"),
                "message": f"the script was killed by signal {sig}"}
    if result:
        return bytes(result)
    return {"outcome": "error", "error": {"type": "ProcessExit",
                                          "message": f"the script exited with code {os.WEXITSTATUS(status)} before returning"}}


def wipe_scratch():
    import shutil

    for root in SCRATCH_ROOTS:
        for name in os.listdir(root):
            path = os.path.join(root, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass


def _undumpable():
    """Stops later jobs (same uid) from opening our /proc/PID/fd or /proc/PID/mem."""
    import ctypes

    pr_set_dumpable = 4
    ctypes.CDLL(None).prctl(pr_set_dumpable, 0, 0, 0, 0)


def apply_rlimits(rlimits):
    """Limits for everything the script does, set before its first line runs. Soft = hard, so
    the script cannot raise them; RLIMIT_NPROC counts the slot uid's processes on the host."""
    import resource

    for name, value in rlimits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def main():
    global _proto_in, _proto_out
    # Only 0-2 are ours; anything else inherited from the launcher must not reach the script.
    os.closerange(3, 65536)
    _proto_in, _proto_out = os.dup(0), os.dup(1)
    # The script's import-time prints must not corrupt the protocol: they go to raw stderr.
    os.dup2(2, 1)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # As a namespace's PID 1 we would ignore the supervisor's SIGTERM without a handler; exiting
    # takes the whole namespace down with us.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
    isolated = _isolated()
    try:
        init = read_frame()
    except UnreadableFrame as exc:
        send_json(b"L", {"outcome": "invalid", "kind": "invalid_script", "message": f"the script cannot be decoded: {exc}"})
        return
    if init is None:
        return
    apply_rlimits(init.get("rlimits", {}))
    if isolated and init.get("warm"):
        _undumpable()
    outcome, entry = load(init)
    send_json(b"L", outcome)
    if entry is None:
        return
    script_file = "/sandbox/" + init.get("filename", "script.py")
    first = True
    while True:
        try:
            job = read_frame()
        except UnreadableFrame as exc:
            send_json(b"R", {"outcome": "invalid", "kind": "invalid_params", "message": f"params cannot be decoded by Python: {exc}"})
            continue
        if job is None:
            break
        if isolated and not first:
            wipe_scratch()  # only between jobs: a cold harness exits right after its one job
        first = False
        result = run_job(job, entry, init, isolated, script_file)
        send_frame(b"R", result if isinstance(result, bytes) else json_dumps(result).encode())


if __name__ == "__main__":
    main()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown: nothing is left to flush or clean up
