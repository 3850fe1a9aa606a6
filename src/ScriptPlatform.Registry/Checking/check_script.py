# Checks scripts' Python source without running them: compiles each (parser and symbol table, as
# `import` would) and looks for the entry point the sandbox calls. Never executes the source.
# Run as `python3 -I -S -B -W ignore -c <this> MAX_BYTES MEMORY_BYTES`; it serves one check after another:
# in, a line with the source's length in bytes, then the UTF-8 source; out, one line per check: "ok",
# "no_entry", "too_large" or "syntax<TAB>line<TAB>message". A long-lived process: starting Python per
# publish cost more than the check itself and capped publishing at a few dozen per second.
import _ast
import resource
import sys

ENTRY_POINTS = {"execute", "main"}
SCOPES = (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef, _ast.Lambda)


def names_bound(node):
    """Module-level names a statement binds: def, class, assignment, import."""
    if isinstance(node, (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef)):
        return {node.name}
    if isinstance(node, _ast.Assign):
        return {t.id for t in node.targets if isinstance(t, _ast.Name)}
    if isinstance(node, _ast.AnnAssign) and node.value is not None and isinstance(node.target, _ast.Name):
        return {node.target.id}
    if isinstance(node, (_ast.Import, _ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return set()


def binds_entry_point(statements):
    # The sandbox imports the module and then looks up execute or main, so a definition inside a
    # module-level if/try/with counts too; one inside a function or class does not.
    for node in statements:
        if names_bound(node) & ENTRY_POINTS:
            return True
        if isinstance(node, SCOPES):
            continue
        blocks = [getattr(node, f, None) or [] for f in ("body", "orelse", "finalbody")]
        blocks += [handler.body for handler in getattr(node, "handlers", None) or []]
        if any(binds_entry_point(block) for block in blocks if isinstance(block, list)):
            return True
    return False


def check(source):
    try:
        tree = compile(source, "<script>", "exec", _ast.PyCF_ONLY_AST, dont_inherit=True)
        # The symbol table pass finds what the parser accepts but `import` refuses ('return' outside a function, ...).
        compile(tree, "<script>", "exec", dont_inherit=True)
    except SyntaxError as e:  # IndentationError and TabError included
        return "syntax\t%d\t%s" % (e.lineno or 0, " ".join(str(e.msg).split()))
    except (RecursionError, MemoryError):
        # CPython's parser reports a too deeply nested expression as MemoryError ("too complex").
        return "syntax\t0\tthe code is nested too deeply or is too complex to compile"
    except ValueError as e:
        return "syntax\t0\t%s" % " ".join(str(e).split())
    return "ok" if binds_entry_point(tree.body) else "no_entry"


def serve(max_bytes):
    stdin, stdout = sys.stdin.buffer, sys.stdout
    while True:
        header = stdin.readline()
        if not header:
            return
        size = int(header)
        source = stdin.read(size)
        if size > max_bytes:
            verdict = "too_large"
        else:
            try:
                verdict = check(source.decode("utf-8"))
            except UnicodeDecodeError as e:
                verdict = "syntax\t0\tthe content is not UTF-8 (%s)" % e.reason
        stdout.write(verdict + "\n")
        stdout.flush()


max_bytes, memory_bytes = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
serve(max_bytes)
