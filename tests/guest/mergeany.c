// SPDX-License-Identifier: GPL-2.0-only
/*
 * Run a program with the kernel's whole-process merging on:
 * prctl(PR_SET_MEMORY_MERGE, 1), then exec. The flag passes to the program
 * and to every process it forks (Linux 6.4 and later). With pshare's
 * madvise=1 the program's memory, and its children's, is pshare's to merge.
 *
 *   mergeany PROGRAM [ARG...]
 *
 * On a kernel without the prctl it says so on stderr and runs PROGRAM all
 * the same.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE	67
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mergeany PROGRAM [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		fprintf(stderr, "mergeany: PR_SET_MEMORY_MERGE: %s; running %s without it\n",
			strerror(errno), argv[1]);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "mergeany: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
