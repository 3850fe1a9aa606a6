# Inspects a drafted script without running it: compiles it, finds the entry point, classifies every
# import (standard library, declared and installed, or neither) and lists the capabilities that deserve
# a reviewer's look (network, processes, file writes, environment, dynamic code). Never executes it.
# Run as `python3 -I -S -B -W ignore -c <this> MEMORY_BYTES` with a JSON request on stdin:
#   {"source": str, "declared": [import names], "site_paths": [str]}
# Prints one JSON object (see StaticReport in StaticInspector.cs).
import ast
import importlib.util
import json
import resource
import sys

ENTRY_POINTS = ("execute", "main")
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)

NETWORK_MODULES = {
    "socket", "ssl", "urllib.request", "http.client", "http.server", "ftplib", "smtplib", "poplib", "imaplib",
    "telnetlib", "xmlrpc.client", "xmlrpc.server", "socketserver", "requests", "httpx", "aiohttp", "urllib3",
    "websocket", "websockets", "paramiko", "asyncio.open_connection",
}
PROCESS_MODULES = {"subprocess", "pty", "multiprocessing", "concurrent.futures.ProcessPoolExecutor"}
PROCESS_CALLS = {"os.system", "os.popen", "os.fork", "os.forkpty", "os.posix_spawn", "os.posix_spawnp", "os.kill", "os.killpg"}
PROCESS_PREFIXES = ("os.exec", "os.spawn")
FILE_CALLS = {
    "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.rename", "os.renames", "os.replace", "os.makedirs",
    "os.mkdir", "os.truncate", "os.chmod", "os.chown", "os.symlink", "os.link", "os.mkfifo", "os.write",
}
FILE_METHODS = {"write_text", "write_bytes", "touch", "unlink", "rmdir", "mkdir", "rename", "replace", "symlink_to", "hardlink_to", "chmod"}
ENVIRONMENT_NAMES = {"os.environ", "os.environb", "os.getenv", "os.getenvb", "os.putenv", "os.unsetenv"}
DYNAMIC_CALLS = {"eval", "exec", "compile", "__import__", "importlib.import_module", "importlib.__import__"}
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


class Inspector(ast.NodeVisitor):
    def __init__(self, declared):
        self.declared = declared
        self.aliases = {}  # local name -> dotted name it stands for
        self.imports = []
        self.capabilities = {}
        self.optional_depth = 0

    def warn(self, capability, detail, node):
        self.capabilities.setdefault((capability, detail), node.lineno)

    def note_module(self, dotted, node):
        for prefix in prefixes(dotted):
            if prefix in NETWORK_MODULES:
                self.warn("network", "import " + dotted, node)
            if prefix in PROCESS_MODULES:
                self.warn("subprocess", "import " + dotted, node)
            if prefix == "shutil":
                self.warn("file_write", "import shutil", node)

    def add_import(self, module, node, level=0):
        if level:
            self.imports.append({"module": "." * level + (module or ""), "line": node.lineno, "kind": "relative", "optional": False})
            return
        self.imports.append({"module": module, "line": node.lineno, "kind": classify(module.split(".")[0], self.declared),
                             "optional": self.optional_depth > 0})
        self.note_module(module, node)

    def visit_Import(self, node):
        for alias in node.names:
            self.add_import(alias.name, node)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                self.aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]

    def visit_ImportFrom(self, node):
        self.add_import(node.module or "", node, node.level)
        if node.level:
            return
        for alias in node.names:
            dotted = f"{node.module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = dotted
            self.note_module(dotted, node)

    def visit_Try(self, node):
        # `try: import x / except ImportError:` is an optional import: the script copes without it.
        optional = any(catches_import_error(h.type) for h in node.handlers)
        self.optional_depth += optional
        for statement in node.body:
            self.visit(statement)
        self.optional_depth -= optional
        for part in node.handlers + node.orelse + node.finalbody:
            self.visit(part)

    visit_TryStar = visit_Try

    def dotted(self, node):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def visit_Attribute(self, node):
        name = self.dotted(node)
        if name and any(name == e or name.startswith(e + ".") for e in ("os.environ", "os.environb")):
            self.warn("environment", "os.environ", node)
        self.generic_visit(node)

    def visit_Name(self, node):
        target = self.aliases.get(node.id)
        if target in ENVIRONMENT_NAMES:
            self.warn("environment", target, node)
        self.generic_visit(node)

    def visit_Call(self, node):
        name = self.dotted(node.func)
        if name:
            if name in ENVIRONMENT_NAMES:
                self.warn("environment", name, node)
            if name in PROCESS_CALLS or name.startswith(PROCESS_PREFIXES):
                self.warn("subprocess", name, node)
            if name in FILE_CALLS or name.startswith("shutil."):
                self.warn("file_write", name, node)
            if name in DYNAMIC_CALLS:
                self.warn("dynamic_code", name, node)
            if name in ("open", "io.open", "os.open", "codecs.open"):
                self.check_open(name, node)
            if name.split(".")[0] in NETWORK_MODULES or name in NETWORK_MODULES:
                self.warn("network", name, node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in FILE_METHODS and not (name or "").startswith("os."):
            self.warn("file_write", "." + node.func.attr + "()", node)
        self.generic_visit(node)

    def check_open(self, name, node):
        if name == "os.open":
            self.warn("file_write", "os.open", node)
            return
        mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
        if mode is None:
            return
        if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
            self.warn("file_write", name + "(..., <computed mode>)", node)
        elif set(mode.value) & set("wax+"):
            self.warn("file_write", f"{name}(..., {mode.value!r})", node)


def prefixes(dotted):
    parts = dotted.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def catches_import_error(node):
    if node is None:
        return True
    if isinstance(node, ast.Tuple):
        return any(catches_import_error(e) for e in node.elts)
    return isinstance(node, ast.Name) and node.id in IMPORT_ERRORS


def classify(top, declared):
    if top in sys.stdlib_module_names:
        return "stdlib"
    if top not in declared:
        return "undeclared"
    try:
        return "declared" if importlib.util.find_spec(top) is not None else "not_installed"
    except (ImportError, ValueError):
        return "not_installed"


def entry_point(statements):
    """The entry point bound at module level (also inside a module-level if/try/with), with its node."""
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in ENTRY_POINTS:
            return node
        if isinstance(node, SCOPES):
            continue
        blocks = [getattr(node, f, None) or [] for f in ("body", "orelse", "finalbody")]
        blocks += [h.body for h in getattr(node, "handlers", None) or []]
        for block in blocks:
            if isinstance(block, list) and (found := entry_point(block)):
                return found
    return None


def inspect(request):
    source = request["source"]
    report = {"compiles": False, "syntax_line": 0, "syntax_message": "", "entry": "", "entry_params": 0,
              "has_docstring": False, "imports": [], "capabilities": []}
    try:
        tree = compile(source, "<script>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        compile(tree, "<script>", "exec", dont_inherit=True)  # the symbol table pass ('return' outside a function, ...)
    except SyntaxError as e:
        report["syntax_line"] = e.lineno or 0
        report["syntax_message"] = " ".join(str(e.msg).split())
        return report
    except (RecursionError, MemoryError, ValueError) as e:
        report["syntax_message"] = "the code is nested too deeply or is not compilable: " + " ".join(str(e).split())
        return report
    report["compiles"] = True
    report["has_docstring"] = ast.get_docstring(tree) is not None
    entry = entry_point(tree.body)
    if entry is not None:
        report["entry"] = entry.name
        args = entry.args
        report["entry_params"] = 99 if args.vararg else len(args.posonlyargs) + len(args.args)
    sys.path.extend(request.get("site_paths", []))
    inspector = Inspector(set(request.get("declared", [])))
    inspector.visit(tree)
    report["imports"] = inspector.imports
    report["capabilities"] = [{"capability": c, "detail": d, "line": line}
                              for (c, d), line in sorted(inspector.capabilities.items(), key=lambda kv: kv[1])]
    return report


def main():
    memory = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    sys.setrecursionlimit(3000)
    return inspect(json.loads(sys.stdin.buffer.read().decode("utf-8")))


sys.stdout.write(json.dumps(main()) + "\n")
