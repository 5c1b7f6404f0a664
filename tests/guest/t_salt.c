// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: salting across processes. Two processes hold the same
 * 128 pages of content and 16 zero pages. Under the default policy (2)
 * nothing but zero pages is shared across them; policy 1 and 0, and an
 * operator's salt for both, put them in one domain; disabling one process
 * unmerges it; with zero_across_domains 0 zero pages merge only within
 * their domain. Every step checks /proc/kpageflags and the content.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "tlib.h"

#define N	144	/* 128 pages of content, then 16 zero pages */
#define NZ	16

static uint64_t seed(int i)
{
	return i < N - NZ ? 9000 + i : 0;
}

/* KSM pages in this process and in the peer, each @want. */
static void expect_ksm(const char *what, char *mem, struct t_peer *peer,
		       int want)
{
	int mine = t_count_ksm(mem, N - NZ);
	long theirs = t_peer_cmd(peer, 'k');

	CHECK(mine == want && theirs == want,
	      "%s: KSM pages here %d, in the peer %ld, want %d each", what,
	      mine, theirs, want);
	CHECK(t_verify(mem, N, seed) == 0 && t_peer_cmd(peer, 'v') == 0,
	      "%s: content wrong", what);
}

static void set_sysfs(const char *name, long v)
{
	CHECK(t_sysfs_set(name, v) == 0, "set %s %ld", name, v);
}

static void errors(void)
{
	struct pshare_target t = { .pid = 999999, .flags = PSHARE_TARGET_SALT,
				   .salt = 5 };
	char *m = t_map(4);

	CHECK_ERRNO(t_register(m, 4 * PAGE_SZ, PSHARE_DOMAIN_PROCESS | 1), EINVAL);
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_SET_TARGET, &t), ESRCH);
	t.pid = 0;
	t.flags = 0;
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_SET_TARGET, &t), EINVAL);
	t.flags = PSHARE_TARGET_SALT;
	t.salt = PSHARE_DOMAIN_PROCESS;
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_SET_TARGET, &t), EINVAL);
	t.salt = 5;
	t.start = (uintptr_t)m;
	t.length = 4 * PAGE_SZ;
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_SET_TARGET, &t), EINVAL);
	t.start = t.length = 0;
	t.flags = PSHARE_TARGET_ENABLE;
	t.salt = 0;
	t.enable = 2;
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_SET_TARGET, &t), EINVAL);
	t.enable = 1;
	t.reserved[1] = 1;
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_SET_TARGET, &t), EINVAL);
	munmap(m, 4 * PAGE_SZ);
}

int main(void)
{
	struct pshare_proc_info me, peer_info;
	char *mem = t_map(N), *zeros = t_map(NZ);
	struct t_peer peer;
	int i;

	t_start("salt");
	t_fast_scan();
	CHECK(t_sysfs("salting") == 2, "salting default %ld", t_sysfs("salting"));
	CHECK(t_sysfs("zero_across_domains") == 1, "zero_across_domains default");
	for (i = 0; i < N; i++)
		t_fill(mem + i * PAGE_SZ, seed(i));
	CHECK(t_register(mem, N * PAGE_SZ, 0) == 0, "register");
	CHECK(t_peer_start(&peer, N, seed, 1, 0) == 0, "peer");

	/* Policy 2: a domain per process; only zero pages go across. */
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_shared", 0);
	t_expect_stat("pages_sharing", 0);
	t_expect_stat("zero_pages_sharing", 2 * NZ);
	t_expect_stat("pages_unshared", 2 * (N - NZ));
	expect_ksm("salting 2", mem, &peer, 0);
	CHECK(t_list_find(getpid(), &me) == 0 &&
	      t_list_find(peer.pid, &peer_info) == 0, "both listed");
	CHECK((me.domain & PSHARE_DOMAIN_PROCESS) &&
	      (peer_info.domain & PSHARE_DOMAIN_PROCESS) &&
	      me.domain != peer_info.domain,
	      "domains %#llx and %#llx", (unsigned long long)me.domain,
	      (unsigned long long)peer_info.domain);
	CHECK(me.registered == N && me.sharing == 0 && me.zero == NZ,
	      "own figures: registered %llu sharing %llu zero %llu",
	      (unsigned long long)me.registered,
	      (unsigned long long)me.sharing, (unsigned long long)me.zero);

	/* Policy 1, no salt: the common domain; they merge pairwise. */
	set_sysfs("salting", 1);
	t_expect_stat("pages_sharing", N - NZ);
	t_expect_stat("pages_shared", N - NZ);
	expect_ksm("salting 1", mem, &peer, N - NZ);

	/* Back to 2: unmerged at once, before anything else. */
	set_sysfs("salting", 2);
	CHECK(t_sysfs("pages_sharing") == 0, "unmerged at once: %ld",
	      t_sysfs("pages_sharing"));
	expect_ksm("salting 2 again", mem, &peer, 0);
	CHECK(t_wait_scans(2, 300) == 0, "scans");
	t_expect_stat("pages_sharing", 0);

	/* The operator puts both processes in domain 42. */
	CHECK(t_set_target(0, PSHARE_TARGET_SALT, 42, 0) == 0, "salt self");
	CHECK(t_set_target(peer.pid, PSHARE_TARGET_SALT, 42, 0) == 0,
	      "salt peer");
	t_expect_stat("pages_sharing", N - NZ);
	expect_ksm("operator salt 42", mem, &peer, N - NZ);
	CHECK(t_list_find(peer.pid, &peer_info) == 0 && peer_info.salt == 42 &&
	      peer_info.domain == 42 && peer_info.sharing + peer_info.shared ==
	      N - NZ, "peer: salt %llu domain %llu",
	      (unsigned long long)peer_info.salt,
	      (unsigned long long)peer_info.domain);

	/* Disable the peer: its pages are unmerged and stay so. */
	CHECK(t_set_target(peer.pid, PSHARE_TARGET_ENABLE, 0, 0) == 0, "disable");
	CHECK(t_sysfs("pages_sharing") == 0, "disabled: sharing %ld",
	      t_sysfs("pages_sharing"));
	CHECK(t_peer_cmd(&peer, 'k') == 0, "disabled peer has KSM pages");
	CHECK(t_list_find(peer.pid, &peer_info) == 0 &&
	      (peer_info.flags & PSHARE_PROC_DISABLED), "DISABLED flag");
	CHECK(t_wait_scans(2, 300) == 0, "scans while disabled");
	CHECK(t_peer_cmd(&peer, 'k') == 0 && t_sysfs("pages_sharing") == 0,
	      "a disabled process merged");
	CHECK(t_set_target(peer.pid, PSHARE_TARGET_ENABLE, 0, 1) == 0, "enable");
	t_expect_stat("pages_sharing", N - NZ);
	expect_ksm("enabled again", mem, &peer, N - NZ);

	/* Different salts, then policy 0: salts ignored, one domain. */
	CHECK(t_set_target(peer.pid, PSHARE_TARGET_SALT, 7, 0) == 0, "salt 7");
	CHECK(t_sysfs("pages_sharing") == 0, "salt 7: unmerged at once");
	/* The peer's pages are private again; ours keep their merged pages. */
	CHECK(t_peer_cmd(&peer, 'k') == 0, "salts 42 and 7: peer KSM pages %ld",
	      t_peer_cmd(&peer, 'k'));
	set_sysfs("salting", 0);
	t_expect_stat("pages_sharing", N - NZ);
	expect_ksm("salting 0", mem, &peer, N - NZ);
	set_sysfs("salting", 2);
	CHECK(t_set_target(0, PSHARE_TARGET_SALT, 0, 0) == 0, "clear salt");
	CHECK(t_set_target(peer.pid, PSHARE_TARGET_SALT, 0, 0) == 0,
	      "clear peer salt");
	expect_ksm("salts cleared", mem, &peer, 0);

	/* zero_across_domains 0: 16 new zero pages merge within the process. */
	set_sysfs("zero_across_domains", 0);
	for (i = 0; i < NZ; i++)
		t_fill(zeros + i * PAGE_SZ, 0);
	CHECK(t_register(zeros, NZ * PAGE_SZ, 0) == 0, "register zeros");
	t_expect_stat("pages_sharing", NZ - 1);
	t_expect_stat("pages_shared", 1);
	t_expect_stat("zero_pages_sharing", 2 * NZ);
	CHECK(t_count_ksm(zeros, NZ) == NZ, "zero pages as KSM pages: %d",
	      t_count_ksm(zeros, NZ));
	set_sysfs("zero_across_domains", 1);

	errors();
	t_peer_stop(&peer);
	CHECK(t_unregister(mem, N * PAGE_SZ) == 0 &&
	      t_unregister(zeros, NZ * PAGE_SZ) == 0, "unregister");
	CHECK(t_verify(mem, N, seed) == 0, "content after unregister");
	for (i = 0; i < NZ; i++)
		CHECK(t_check(zeros + i * PAGE_SZ, 0), "zero page %d", i);
	CHECK(t_wait_stat("metadata_bytes", 0, 30) == 0, "metadata freed");
	return t_end();
}
