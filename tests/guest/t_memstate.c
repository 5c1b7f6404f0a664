// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: memory states. With thresholds set around the
 * guest's available memory, memory_state reads soft, hard and low in turn,
 * each entry is counted, the host-wide scan cap is boosted by the
 * documented factor (2 in soft, 4 in hard and low), and the state returns
 * to high once available memory is above the high threshold again.
 */
#include <stdlib.h>
#include <unistd.h>
#include "tlib.h"

#define DIR "/sys/kernel/mm/pshare/"

static void state(char *buf, size_t len)
{
	if (t_read_file(DIR "memory_state", buf, len) <= 0)
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

static void entries(unsigned long *e)
{
	char buf[128];

	e[0] = e[1] = e[2] = e[3] = 0;
	if (t_read_file(DIR "memory_state_entries", buf, sizeof(buf)) > 0)
		sscanf(buf, "%lu %lu %lu %lu", &e[0], &e[1], &e[2], &e[3]);
}

/* Set thresholds; wait for the scanner to apply the new state. */
static void thresholds(int high, int soft, int hard, int low)
{
	char val[64];

	snprintf(val, sizeof(val), "%d %d %d %d", high, soft, hard, low);
	CHECK(t_write_file(DIR "mem_thresholds", val) == 0, "write \"%s\"", val);
	usleep(1500000);	/* > 1 period and the 1 s rate refresh */
}

static void expect(const char *want, int idx, unsigned long *before,
		   long cap_high, long boost)
{
	unsigned long e[4];
	char buf[32];
	long cap = t_sysfs("scan_cap_pages");

	state(buf, sizeof(buf));
	entries(e);
	printf("  %-4s: entries %lu %lu %lu %lu, scan_cap_pages %ld\n", buf,
	       e[0], e[1], e[2], e[3], cap);
	CHECK(!strcmp(buf, want), "memory_state \"%s\", want %s", buf, want);
	CHECK(e[idx] == before[idx] + 1, "entries of %s: %lu, want %lu", want,
	      e[idx], before[idx] + 1);
	/* Both are rounded down from 1/1000 pages/s: within @boost. */
	CHECK(labs(cap - cap_high * boost) <= boost,
	      "scan_cap_pages %ld, want %ld x %ld", cap, cap_high, boost);
	memcpy(before, e, sizeof(e));
}

int main(void)
{
	long total = t_meminfo("MemTotal"), avail = t_meminfo("MemAvailable");
	int p = avail * 100 / total;
	unsigned long e[4];
	char *mem = t_map(256), buf[32];
	long cap;

	t_start("memstate");
	printf("  MemAvailable %ld of %ld kB: %d%%\n", avail, total, p);
	if (p < 12 || p > 93) {
		printf("  cannot place thresholds around %d%%\n", p);
		return 77;
	}
	/* A registration keeps the scanner, and its rate computation, busy. */
	t_default_rates();
	CHECK(mem && t_register(mem, 256 * PAGE_SZ, 0) == 0, "register");
	usleep(1500000);
	state(buf, sizeof(buf));
	CHECK(!strcmp(buf, "high"), "memory_state at start \"%s\"", buf);
	cap = t_sysfs("scan_cap_pages");
	CHECK(labs(cap - t_sysfs("cpu_mhz") * 4 * 256 / 1000) <= 1,
	      "scan_cap_pages %ld at 4 MB/s/GHz", cap);
	entries(e);

	/* Available memory between hard and soft: soft. */
	thresholds(p + 4, p + 3, p - 3, p - 6);
	expect("soft", 1, e, cap, 2);
	/* Between low and hard: hard. */
	thresholds(p + 5, p + 4, p + 3, p - 6);
	expect("hard", 2, e, cap, 4);
	/* Below low: low. */
	thresholds(p + 6, p + 5, p + 4, p + 3);
	expect("low", 3, e, cap, 4);
	/* Above soft but below high: soft again (no flapping back). */
	thresholds(p + 4, p - 3, p - 6, p - 9);
	expect("soft", 1, e, cap, 2);
	/* Back to the defaults: high. */
	thresholds(6, 4, 2, 1);
	expect("high", 0, e, cap, 1);

	CHECK(t_unregister(mem, 256 * PAGE_SZ) == 0, "unregister");
	return t_end();
}
