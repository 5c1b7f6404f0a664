/* SPDX-License-Identifier: GPL-2.0-only */
/* pshare guest tests: a tiny harness, checks that count and report. */
#ifndef _PSHARE_TLIB_H
#define _PSHARE_TLIB_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

extern int t_failures;
extern const char *t_name;

/* Record a failed check; the program exits with the number of failures. */
#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		t_failures++;						\
		printf("  not ok: %s:%d: %s: " fmt "\n", t_name, __LINE__,	\
		       #cond, ##__VA_ARGS__);				\
	}								\
} while (0)

/* Expect a call to fail with errno @err. */
#define CHECK_ERRNO(call, err) do {					\
	errno = 0;							\
	long __r = (long)(call);					\
	CHECK(__r == -1 && errno == (err), "%s gave %ld, errno %d (%s), want %s", \
	      #call, __r, errno, strerror(errno), #err);		\
} while (0)

void t_start(const char *name);
int t_end(void);
int t_read_file(const char *path, char *buf, size_t len);
long t_read_long(const char *path);
int t_write_file(const char *path, const char *val);
long t_sysfs(const char *name);
int t_sysfs_set(const char *name, long val);

#endif

/* pshare helpers */
#include <stdint.h>
#include <linux/pshare.h>

#define PAGE_SZ 4096UL

int t_pshare_fd(void);
void t_pshare_close(void);
int t_register(void *start, size_t len, uint64_t salt);
int t_unregister(void *start, size_t len);
int t_query(struct pshare_proc_stats *st);
int t_wait_scans(int n, int timeout_s);
void t_fast_scan(void);
void t_default_rates(void);
int t_mem_short(void);
uint64_t t_kpageflags(void *addr);
int t_is_ksm(void *addr);
int t_maybe_ksm(void *addr);
int t_is_zero_page(void *addr);
void t_fill(void *page, uint64_t seed);
int t_check(const void *page, uint64_t seed);
int t_verify(const char *mem, int n, uint64_t (*seed)(int i));
void *t_map(size_t pages);
void t_expect_stat(const char *name, long want);
long t_thread_switches(const char *comm);
pid_t t_thread_pid(const char *comm);
int t_thread_file(const char *comm, const char *file, char *buf, size_t len);
int t_count_ksm(char *mem, int n);
uint64_t t_pagemap(void *addr);
uint64_t t_pfn(void *addr);
double t_thread_cpu(const char *comm);
long t_meminfo(const char *field);
long t_vmstat(const char *field);
long t_anon_huge_kb(void);
long t_ksm(const char *name);
void t_ksm_set(const char *name, long v);
double t_now(void);
int t_wait_stat(const char *name, long want, int timeout_s);
int t_vma_mergeable(void *addr);
long t_ksm_stat(const char *field);

/* A child process with memory of its own: see tlib.c. */
struct t_peer {
	pid_t pid;
	int cmd;
	int rsp;
};
int t_peer_start(struct t_peer *p, size_t pages, uint64_t (*seed)(int i),
		 int reg, uint64_t salt);
long t_peer_cmd(struct t_peer *p, char cmd);
void t_peer_stop(struct t_peer *p);
int t_list_find(pid_t pid, struct pshare_proc_info *out);
int t_set_target(pid_t pid, uint32_t flags, uint64_t salt, uint32_t enable);
