#!/usr/bin/env bash
# check-subset.sh FILE.c...: enforces hls_c's synthesizable subset.
#  1. compiles freestanding with -Wall -Wextra -Werror -Wconversion -Wvla;
#  2. scans for forbidden constructs (float, malloc & co, goto, pointer
#     declarators, includes other than stdint.h and hls_c's own headers);
#  3. reads gcc's call graph (-fcallgraph-info): no call may leave the file
#     (no library calls) and no function may reach itself (no recursion).
# Prints one PASS:/FAIL: line per file and per check.
set -u
cc=${CC:-gcc}
out=${BUILD:-build}/hls/subset
mkdir -p "$out"
rc=0
say() { echo "$1: hls-subset $2"; [ "$1" = FAIL ] && rc=1; return 0; }

for src in "$@"; do
	name=$(basename "$src" .c)
	if $cc -std=c11 -ffreestanding -O0 -Wall -Wextra -Werror -Wconversion -Wsign-conversion \
		-Wvla -Wno-unknown-pragmas -Wno-unused-label -Ihls_c ${HLS_INC:+-I$HLS_INC} -fcallgraph-info \
		-c "$src" -o "$out/$name.o" 2> "$out/$name.log"; then
		say PASS "$name compiles freestanding with -Wconversion"
	else
		cat "$out/$name.log"; say FAIL "$name compiles freestanding with -Wconversion"; continue
	fi
	# strip comments and string literals before scanning
	nocomment=$(sed -E 's://.*$::' "$src" | perl -0pe 's:/\*.*?\*/::gs')
	code=$(printf '%s\n' "$nocomment" | perl -pe 's/"(\\.|[^"\\])*"/""/g unless /^\s*#\s*include/')
	bad=$(printf '%s\n' "$code" | grep -nP \
		'\b(float|double|malloc|calloc|realloc|free|alloca|goto|setjmp|longjmp|printf|va_list)\b|(\b(u?int[0-9]+_t|char|void|int|long|short|unsigned)\s*\*)' || true)
	incl=$(printf '%s\n' "$code" | grep -nE '#\s*include' | grep -vE '<stdint\.h>|"sq_hls[a-z_]*\.h"' || true)
	if [ -z "$bad$incl" ]; then
		say PASS "$name uses no forbidden construct"
	else
		printf '%s\n%s\n' "$bad" "$incl" | sed '/^$/d; s/^/  forbidden: /'
		say FAIL "$name uses no forbidden construct"
	fi
	ci="$out/$name.ci"
	python3 - "$ci" <<'PY' && say PASS "$name calls nothing outside and never recurses" || say FAIL "$name calls nothing outside and never recurses"
import re, sys
text = open(sys.argv[1]).read()
nodes = set(re.findall(r'node: \{ title: "([^"]+)"', text))
edges = re.findall(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', text)
ok = True
graph = {}
for s, t in edges:
    graph.setdefault(s, set()).add(t)
    if t not in nodes:
        print(f"  call to a function outside the file: {s} -> {t}"); ok = False
def reaches(a, b, seen):
    for n in graph.get(a, ()):
        if n == b: return True
        if n not in seen:
            seen.add(n)
            if reaches(n, b, seen): return True
    return False
for n in nodes:
    if reaches(n, n, set()):
        print(f"  recursion through {n}"); ok = False
sys.exit(0 if ok else 1)
PY
done
exit $rc
