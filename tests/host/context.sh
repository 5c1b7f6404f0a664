#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host test: what a comment says is held, the function asserts.
#
# For every function of mm/ whose comment (kernel-doc or plain, just above
# it) has "Context: LOCK held" (or "LOCK held" in that Context line), its
# body must assert it with lockdep_assert_held() (or _held_write/_read), so
# that the debug kernels' lockdep checks what the comments claim. Locks
# named: pshare_lock, pshare_engine_lock, and an mm's mmap_lock.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

python3 - <<'PY'
import os, re, sys

locks = {'pshare_lock': r'&pshare_lock\b',
         'pshare_engine_lock': r'&pshare_engine_lock\b',
         'mmap_lock': r'mmap_lock'}
func = re.compile(r'\n((?:static |VISIBLE_IF_KUNIT )?[a-z][\w \*]*?\b(pshare_\w+)\([^;{]*?\)\n\{)', re.S)
bad = checked = 0
for f in sorted(os.listdir('mm')):
    if not f.endswith('.c'):
        continue
    src = open(os.path.join('mm', f)).read()
    for m in func.finditer(src):
        name = m.group(2)
        # the comment just above the definition
        head = src[:m.start() + 1].rstrip('\n')
        if not head.endswith('*/'):
            continue
        comment = head[head.rfind('/*'):]
        ctx = re.search(r'Context:(.*?)(?:\n \*\s*\n|\*/|Return:)', comment, re.S)
        if not ctx:
            continue
        text = ' '.join(ctx.group(1).replace('*', ' ').split())
        # the body, up to the closing brace at column 0
        end = src.find('\n}', m.end())
        body = src[m.end():end]
        for lock, pat in locks.items():
            # "X held", not "X not held", not "takes X"
            if not re.search(r'\b%s\b[^.;]*?\bheld' % lock, text):
                continue
            if re.search(r'\b%s\b\s+not held' % lock, text) or \
               re.search(r'no %s' % lock, text):
                continue
            checked += 1
            ok = re.search(r'lockdep_assert_held\w*\([^)]*' + pat, body) or \
                 (lock == 'mmap_lock' and
                  re.search(r'mmap_assert_\w*locked', body))
            if not ok:
                print('not ok: mm/%s: %s() says "%s" but does not assert %s'
                      % (f, name, text, lock))
                bad += 1
print('ok: %d lock claims in Context: lines checked, %d without an assertion'
      % (checked, bad))
sys.exit(1 if bad else 0)
PY
