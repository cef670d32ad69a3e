#!/usr/bin/python3
"""Mutation sites of C++ files, found on clang's AST (python3-clang-14).

Used by scripts/mutate; run it directly to see what it finds:

  scripts/lib/mutants.py list [--compile-db DIR] [--root DIR] FILE...
      one JSON object per line and mutant, in file order (offset, then
      operator class, then replacement)
  scripts/lib/mutants.py apply --site JSON SRC DST
      writes SRC with that one mutant applied to DST

Every site is a real token of the file itself (never a macro expansion, an
included file, a string or a comment): the operator token of a binary or
unary operator, a bool or integer literal, the expression of a return
statement, or a whole expression statement. Operator classes:

  rel      relational and equality operators: boundary (< <=, > >=) and
           negation (< >=, <= >, > <=, >= <, == !=)
  logic    && <-> ||, and a logical ! removed
  bool     true <-> false
  literal  integer literal +1 and -1 (off-by-one), base and suffix kept
  return   return X; -> return !(X); in a function returning bool,
           return {}; in one returning an integer, an enum, std::optional
           or a string (a default value)
  stmt     an expression statement (a call, an assignment, ++/--) of a
           block replaced by (void)0

A mutant's key is its file, class, change and the text of its line around
it (not its line number), so a key in tests/mutate/equivalent.txt stays
valid when lines above it move.
"""

import argparse
import hashlib
import json
import os
import re
import shlex
import sys

import clang.cindex as ci

LIBCLANG = "/usr/lib/llvm-14/lib/libclang-14.so.1"

REL_MUTANTS = {
    "<": ["<=", ">="],
    "<=": ["<", ">"],
    ">": [">=", "<="],
    ">=": [">", "<"],
    "==": ["!="],
    "!=": ["=="],
}
LOGIC_MUTANTS = {"&&": ["||"], "||": ["&&"]}
CLASS_ORDER = ["rel", "logic", "bool", "literal", "return", "stmt"]

FUNCTION_KINDS = {
    ci.CursorKind.FUNCTION_DECL,
    ci.CursorKind.CXX_METHOD,
    ci.CursorKind.CONSTRUCTOR,
    ci.CursorKind.DESTRUCTOR,
    ci.CursorKind.CONVERSION_FUNCTION,
    ci.CursorKind.FUNCTION_TEMPLATE,
    ci.CursorKind.LAMBDA_EXPR,
}
ASSIGN_TOKENS = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}
INTEGRAL_KINDS = {
    ci.TypeKind.CHAR_U, ci.TypeKind.UCHAR, ci.TypeKind.CHAR16, ci.TypeKind.CHAR32,
    ci.TypeKind.USHORT, ci.TypeKind.UINT, ci.TypeKind.ULONG, ci.TypeKind.ULONGLONG,
    ci.TypeKind.CHAR_S, ci.TypeKind.SCHAR, ci.TypeKind.WCHAR, ci.TypeKind.SHORT,
    ci.TypeKind.INT, ci.TypeKind.LONG, ci.TypeKind.LONGLONG, ci.TypeKind.ENUM,
}
DEFAULTABLE_TYPES = re.compile(r"^(const )?std::(__1::)?(optional<|basic_string<|basic_string_view<|vector<)")

_index = None


def index():
    global _index
    if _index is None:
        if not ci.Config.loaded:
            ci.Config.set_library_file(LIBCLANG)
        _index = ci.Index.create()
    return _index


def compile_args(path, compile_db, root):
    """The flags the build compiles |path| with, less output and input."""
    if compile_db:
        try:
            db = ci.CompilationDatabase.fromDirectory(compile_db)
            cmds = db.getCompileCommands(os.path.abspath(path))
        except ci.CompilationDatabaseError:
            cmds = None
        if cmds:
            args = list(cmds[0].arguments)[1:]
            out, skip = [], False
            for a in args:
                if skip:
                    skip = False
                    continue
                if a in ("-o", "-c", "-MF", "-MT", "-MQ"):
                    skip = a != "-c"
                    continue
                if a in ("-MD", "-MMD") or a.startswith("-fsanitize") or a == os.path.abspath(path) \
                        or a.endswith(os.path.basename(path)):
                    continue
                out.append(a)
            return out
    return ["-std=c++20", "-I" + root]


class Source:
    def __init__(self, path, data):
        self.path = path
        self.data = data
        self.line_starts = [0]
        for i, b in enumerate(data):
            if b == 0x0A:
                self.line_starts.append(i + 1)

    def line_of(self, offset):
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo] + 1

    def line_text(self, line):
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.data)
        return self.data[start:end].decode("utf-8", "replace")

    def text(self, start, end):
        return self.data[start:end].decode("utf-8", "replace")


def in_main_file(cursor_or_token, path):
    loc = cursor_or_token.extent.start if hasattr(cursor_or_token, "extent") else cursor_or_token.location
    f = loc.file
    return f is not None and os.path.abspath(f.name) == path


def main_tokens(tu, path):
    """Tokens of the file itself, by start offset, without comments."""
    tokens = {}
    for tok in tu.get_tokens(extent=tu.cursor.extent):
        loc = tok.location
        if loc.file is None or os.path.abspath(loc.file.name) != path:
            continue
        if tok.kind == ci.TokenKind.COMMENT:
            continue
        tokens[loc.offset] = tok
    return tokens


def spelled_here(cursor, path, src):
    """True when the cursor's extent is plain text of |path| (not a macro)."""
    s, e = cursor.extent.start, cursor.extent.end
    if s.file is None or e.file is None:
        return False
    if os.path.abspath(s.file.name) != path or os.path.abspath(e.file.name) != path:
        return False
    return 0 <= s.offset < e.offset <= len(src.data)


def find_sites(path, compile_db=None, root=None):
    path = os.path.abspath(path)
    root = root or os.getcwd()
    with open(path, "rb") as fh:
        data = fh.read()
    src = Source(path, data)
    args = compile_args(path, compile_db, root)
    tu = index().parse(path, args=args, options=ci.TranslationUnit.PARSE_INCOMPLETE)
    errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    if errors:
        sys.stderr.write("mutants.py: %s: %d parse error(s), first: %s\n" % (path, len(errors), errors[0]))
    tokens = main_tokens(tu, path)
    token_offsets = sorted(tokens)
    sites = {}

    def token_at(offset):
        return tokens.get(offset)

    def next_token(offset):
        import bisect
        i = bisect.bisect_left(token_offsets, offset)
        return tokens[token_offsets[i]] if i < len(token_offsets) else None

    def add(cls, start, length, original, replacement, tok_kind=None):
        key = (start, cls, replacement)
        if key in sites:
            return
        line, col = src.line_of(start)
        sites[key] = {
            "start": start, "length": length, "class": cls,
            "original": original, "replacement": replacement,
            "line": line, "col": col,
        }

    def operator_token(cursor):
        """The operator token of a binary operator cursor: the first token after its LHS."""
        children = list(cursor.get_children())
        if len(children) != 2:
            return None
        lhs = children[0]
        if not spelled_here(lhs, path, src):
            return None
        tok = next_token(lhs.extent.end.offset)
        if tok is None or tok.kind != ci.TokenKind.PUNCTUATION:
            return None
        if tok.location.offset >= children[1].extent.start.offset:
            return None
        return tok

    def function_result(stack):
        for fn in reversed(stack):
            if fn.kind == ci.CursorKind.LAMBDA_EXPR:
                return None
            if fn.kind in (ci.CursorKind.CONSTRUCTOR, ci.CursorKind.DESTRUCTOR):
                return None
            return fn.result_type
        return None

    def visit(cursor, stack, parent):
        kind = cursor.kind
        here = spelled_here(cursor, path, src)
        if kind in FUNCTION_KINDS:
            stack = stack + [cursor]
        if here:
            if kind == ci.CursorKind.BINARY_OPERATOR or (
                    kind == ci.CursorKind.CALL_EXPR and cursor.spelling in
                    ("operator<", "operator<=", "operator>", "operator>=", "operator==", "operator!=")):
                tok = operator_token(cursor) if kind == ci.CursorKind.BINARY_OPERATOR else None
                if kind == ci.CursorKind.CALL_EXPR:
                    # Overloaded comparison: the children are the two operands
                    # (and the operator's own reference in between, which
                    # libclang shows as an unexposed child: take the token
                    # after the first operand).
                    ch = [c for c in cursor.get_children() if spelled_here(c, path, src)]
                    if len(ch) >= 2:
                        t = next_token(ch[0].extent.end.offset)
                        if t is not None and t.spelling == cursor.spelling[len("operator"):]:
                            tok = t
                if tok is not None:
                    op = tok.spelling
                    off = tok.location.offset
                    for repl in REL_MUTANTS.get(op, []):
                        add("rel", off, len(op), op, repl)
                    for repl in LOGIC_MUTANTS.get(op, []):
                        add("logic", off, len(op), op, repl)
            elif kind == ci.CursorKind.UNARY_OPERATOR:
                tok = token_at(cursor.extent.start.offset)
                if tok is not None and tok.spelling == "!":
                    add("logic", tok.location.offset, 1, "!", "")
            elif kind == ci.CursorKind.CXX_BOOL_LITERAL_EXPR:
                tok = token_at(cursor.extent.start.offset)
                if tok is not None and tok.spelling in ("true", "false"):
                    add("bool", tok.location.offset, len(tok.spelling), tok.spelling,
                        "false" if tok.spelling == "true" else "true")
            elif kind == ci.CursorKind.INTEGER_LITERAL:
                tok = token_at(cursor.extent.start.offset)
                if tok is not None and tok.kind == ci.TokenKind.LITERAL:
                    for repl in literal_mutants(tok.spelling):
                        add("literal", tok.location.offset, len(tok.spelling), tok.spelling, repl)
            elif kind == ci.CursorKind.RETURN_STMT:
                ch = list(cursor.get_children())
                rt = function_result(stack)
                if len(ch) == 1 and rt is not None and spelled_here(ch[0], path, src):
                    e = ch[0]
                    s, t = e.extent.start.offset, e.extent.end.offset
                    text = src.text(s, t)
                    canon = rt.get_canonical()
                    if canon.kind == ci.TypeKind.BOOL:
                        if text not in ("true", "false"):
                            add("return", s, t - s, text, "!(" + text + ")")
                    elif canon.kind in INTEGRAL_KINDS or DEFAULTABLE_TYPES.match(canon.spelling):
                        # Not where the value is already the default one.
                        if text not in ("{}", "std::nullopt", "0", '""') and not is_zero_enumerator(e):
                            add("return", s, t - s, text, "{}")
            if parent is not None and parent.kind == ci.CursorKind.COMPOUND_STMT and is_effect_statement(cursor, tokens):
                s, t = cursor.extent.start.offset, cursor.extent.end.offset
                add("stmt", s, t - s, src.text(s, t), "(void)0")
        for child in cursor.get_children():
            # Only this file's declarations (the headers' inline code is the
            # headers' business).
            if child.location.file is not None and os.path.abspath(child.location.file.name) != path \
                    and child.kind not in (ci.CursorKind.UNEXPOSED_EXPR,):
                continue
            visit(child, stack, cursor)

    visit(tu.cursor, [], None)
    out = []
    seen = {}
    rel = os.path.relpath(path, root)
    for (start, cls, repl), site in sorted(sites.items(), key=lambda kv: (kv[0][0], CLASS_ORDER.index(kv[0][1]), kv[0][2])):
        site["file"] = rel
        key = site_key(rel, src, site)
        # The same change on an identical line elsewhere in the file: the
        # n-th such site in file order gets "#n".
        seen[key] = seen.get(key, 0) + 1
        site["key"] = key if seen[key] == 1 else "%s#%d" % (key, seen[key])
        site["id"] = "%s:%d:%d %s %s -> %s" % (rel, site["line"], site["col"], cls,
                                              short(site["original"]), short(site["replacement"]) or "(removed)")
        out.append(site)
    return out


def is_zero_enumerator(expr):
    """True when |expr| names an enumerator whose value is 0 (what {} gives)."""
    while expr.kind == ci.CursorKind.UNEXPOSED_EXPR:
        ch = list(expr.get_children())
        if len(ch) != 1:
            return False
        expr = ch[0]
    if expr.kind != ci.CursorKind.DECL_REF_EXPR:
        return False
    ref = expr.referenced
    return ref is not None and ref.kind == ci.CursorKind.ENUM_CONSTANT_DECL and ref.enum_value == 0


def is_effect_statement(cursor, tokens):
    kind = cursor.kind
    if kind == ci.CursorKind.CALL_EXPR:
        return True
    if kind in (ci.CursorKind.BINARY_OPERATOR, ci.CursorKind.COMPOUND_ASSIGNMENT_OPERATOR):
        children = list(cursor.get_children())
        if len(children) != 2:
            return False
        # The token right after the left operand.
        end = children[0].extent.end.offset
        for off in sorted(o for o in tokens if o >= end):
            return tokens[off].spelling in ASSIGN_TOKENS
        return False
    if kind == ci.CursorKind.UNARY_OPERATOR:
        toks = [t.spelling for t in cursor.get_tokens()]
        return bool(toks) and (toks[0] in ("++", "--") or toks[-1] in ("++", "--"))
    if kind == ci.CursorKind.UNEXPOSED_EXPR:
        # A call behind an implicit conversion or cleanup (libclang shows
        # ExprWithCleanups and member calls on temporaries this way).
        ch = list(cursor.get_children())
        return len(ch) == 1 and ch[0].kind == ci.CursorKind.CALL_EXPR
    return False


def literal_mutants(spelling):
    m = re.fullmatch(r"(0[xX][0-9a-fA-F']+|0[bB][01']+|0[0-7']*|[1-9][0-9']*)([uUlLzZ]*)", spelling)
    if not m:
        return []
    digits, suffix = m.group(1), m.group(2)
    clean = digits.replace("'", "")
    if clean[:2] in ("0x", "0X"):
        value, fmt = int(clean, 16), lambda v: "0x%X" % v if any(c.isupper() for c in clean[2:]) else "0x%x" % v
    elif clean[:2] in ("0b", "0B"):
        value, fmt = int(clean[2:], 2), lambda v: "0b" + bin(v)[2:]
    elif len(clean) > 1 and clean[0] == "0":
        value, fmt = int(clean, 8), lambda v: "0%o" % v
    else:
        value, fmt = int(clean), str
    out = [fmt(value + 1) + suffix]
    if value > 0:
        out.append(fmt(value - 1) + suffix)
    return out


def short(text, limit=60):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def site_key(rel, src, site):
    line = src.line_text(site["line"])
    h = hashlib.sha1()
    for part in (rel, site["class"], site["original"], site["replacement"],
                 line.strip(), str(site["col"] - (len(line) - len(line.lstrip())))):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return "%s:%s" % (rel, h.hexdigest()[:12])


def apply(site, src_path, dst_path):
    with open(src_path, "rb") as fh:
        data = fh.read()
    s, n = site["start"], site["length"]
    original = data[s:s + n].decode("utf-8")
    if original != site["original"]:
        raise SystemExit("mutants.py: %s: expected %r at offset %d, found %r" % (src_path, site["original"], s, original))
    out = data[:s] + site["replacement"].encode("utf-8") + data[s + n:]
    tmp = dst_path + ".mutant-tmp"
    with open(tmp, "wb") as fh:
        fh.write(out)
    os.replace(tmp, dst_path)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list")
    ls.add_argument("--compile-db")
    ls.add_argument("--root")
    ls.add_argument("files", nargs="+")
    apl = sub.add_parser("apply")
    apl.add_argument("--site", required=True)
    apl.add_argument("src")
    apl.add_argument("dst")
    a = ap.parse_args(argv)
    if a.cmd == "list":
        root = os.path.abspath(a.root or os.getcwd())
        for f in a.files:
            for site in find_sites(f, a.compile_db, root):
                sys.stdout.write(json.dumps(site, sort_keys=True) + "\n")
    else:
        apply(json.loads(a.site), a.src, a.dst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
