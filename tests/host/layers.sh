#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: the files of mm/ call and include only downward.
#
# The layers, bottom first, are the LAYERS table below; Documentation/
# design.rst ("Layers") describes them. From the built objects' symbols
# (nm: what each object defines and what it leaves undefined) this finds
# every call or data reference from one file of mm/ to another, and fails
# on any that does not go to a strictly lower layer: so no two files call
# each other, directly or around a circle. It checks the #include lines of
# mm/ the same way (a file may include its own layer's header), and that
# the table names every file of mm/ and the design document every file.
#
# Usage: tests/host/layers.sh [OBJDIR...]; without one it builds the module
# for both stock kernels (make module) and reads the objects of each build.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/common.sh"
cd "$top"

# layer number, name, the files (without .c) and the headers it owns
LAYERS='
0 kernel	symbols kabi_check	symbols.h kabi.h
1 base		state filter		pshare.h
2 host		ops memstate		ops.h memstate.h
3 store		store			store.h
4 policy	index rate domain	index.h rate.h domain.h
5 merge		merge			merge.h
6 thp		thp			thp.h
7 teardown	reap			reap.h
8 scanner	scan			scan.h
9 registration	register		register.h
10 front	madvise target		madvise.h target.h
11 hooks	hooks			hooks.h
12 interfaces	sysfs chardev		iface.h
13 module	main
'

if [ $# -eq 0 ]; then
	out=$(make -s module 2>&1) || {
		echo "$out"
		echo "not ok: make module failed"
		exit 1
	}
	set -- .build/stock-6.1/mm .build/stock-6.12/mm
fi

export LAYERS
python3 - "$@" <<'EOF'
import os, re, subprocess, sys

layer, hdr_layer, names = {}, {}, {}
for line in os.environ['LAYERS'].strip('\n').split('\n'):
    f = line.split('\t')
    f = [x for x in f if x]
    n, name = f[0].split()
    n = int(n)
    names[n] = name
    for c in f[1].split():
        layer[c] = n
    for h in (f[2].split() if len(f) > 2 else []):
        hdr_layer[h] = n

bad = 0
def fail(msg):
    global bad
    bad += 1
    print('not ok: ' + msg)

# Every .c of mm/ is in the table, and every table entry exists.
srcs = {f[:-2] for f in os.listdir('mm') if f.endswith('.c')}
hdrs = {f for f in os.listdir('mm') if f.endswith('.h')}
for s in sorted(srcs - set(layer)):
    fail('mm/%s.c is in no layer' % s)
for s in sorted(set(layer) - srcs):
    fail('layer table names mm/%s.c, which does not exist' % s)
for h in sorted(hdrs - set(hdr_layer)):
    fail('mm/%s belongs to no layer' % h)

# Calls and data references, from the objects.
for objdir in sys.argv[1:]:
    defs, uses = {}, []
    for s in sorted(layer):
        o = os.path.join(objdir, s + '.o')
        if not os.path.exists(o):
            fail('%s: no object (build first)' % o)
            continue
        for line in subprocess.run(['nm', o], capture_output=True,
                                   text=True, check=True).stdout.split('\n'):
            p = line.split()
            if len(p) == 3 and p[1] in 'TDBRtdbr' and p[1].isupper():
                defs[p[2]] = s
            elif len(p) == 2 and p[0] == 'U':
                uses.append((s, p[1]))
    edges, before = {}, bad
    for s, sym in uses:
        d = defs.get(sym)
        if d and d != s:
            edges.setdefault((s, d), []).append(sym)
    for (s, d), syms in sorted(edges.items()):
        if layer[d] >= layer[s]:
            fail('%s: %s.c (%s) calls %s.c (%s): %s' %
                 (objdir, s, names[layer[s]], d, names[layer[d]],
                  ', '.join(sorted(set(syms)))))
    if bad == before:
        print('ok: %s: %d calls between %d files, each to a lower layer' %
              (objdir, len(edges),
               len({s for s, _ in edges} | {d for _, d in edges})))

# Includes: a file includes only headers of lower layers and, of its own
# layer, the header of its name or one that no other file there is named
# for (pshare.h of the base, kabi.h, iface.h).
inc = re.compile(r'^#include "([^"]+)"', re.M)
before = bad
for f in sorted(os.listdir('mm')):
    if not f.endswith(('.c', '.h')):
        continue
    own = layer[f[:-2]] if f.endswith('.c') else hdr_layer.get(f)
    if own is None:
        continue
    for h in inc.findall(open(os.path.join('mm', f)).read()):
        hl = hdr_layer.get(h)
        if hl is None:
            fail('mm/%s includes %s, of no layer' % (f, h))
        elif hl > own:
            fail('mm/%s (%s) includes %s (%s)' %
                 (f, names[own], h, names[hl]))
        elif hl == own and f.endswith('.c') and h != f[:-2] + '.h' and \
                layer.get(h[:-2]) == own:
            fail('mm/%s includes %s, of another file of its layer (%s)' %
                 (f, h, names[own]))
if bad == before:
    print('ok: #include lines of mm/ point down')

# The design document describes every layer.
doc = open('Documentation/design.rst').read()
missing = [c for c in sorted(layer) if '``%s.c``' % c not in doc]
for c in missing:
    fail('Documentation/design.rst does not name %s.c' % c)
if not missing:
    print('ok: Documentation/design.rst names every file of mm/')
sys.exit(1 if bad else 0)
EOF
