// SPDX-License-Identifier: GPL-2.0-only
/* pshare guest test: sysfs files, defaults, and -EINVAL for bad writes. */
#include <sys/stat.h>
#include <pshare/tunables.h>
#include "tlib.h"

#define DIR "/sys/kernel/mm/pshare/"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Every bad write is -EINVAL and leaves the value as it was. */
static void bad_writes(const char *name, const char * const *vals)
{
	char path[128];
	long before = t_sysfs(name);

	snprintf(path, sizeof(path), DIR "%s", name);
	for (; *vals; vals++) {
		errno = 0;
		CHECK(t_write_file(path, *vals) == -1 && errno == EINVAL,
		      "%s <- \"%s\": errno %d (%s), want EINVAL", name, *vals,
		      errno, strerror(errno));
		CHECK(t_sysfs(name) == before, "%s changed to %ld", name,
		      t_sysfs(name));
	}
}

/* A numeric tunable: its default and valid range, as the module's. */
struct tunable {
	const char *name;
	long def, min, max;
};

#define TUNABLE(name)							\
	{ #name, PSHARE_TUN_DEF_##name, PSHARE_TUN_MIN_##name,		\
	  PSHARE_TUN_MAX_##name }

/* Those of <pshare/tunables.h> but run, which main() checks on its own. */
static const struct tunable tunables[] = {
	TUNABLE(sleep_millisecs),
	TUNABLE(max_page_sharing),
	TUNABLE(scan_mb_per_ghz),
	TUNABLE(rate_max_pages),
	TUNABLE(scan_time_secs),
	TUNABLE(max_cpu_percent),
	TUNABLE(salting),
	TUNABLE(zero_across_domains),
	TUNABLE(smart_scan),
	TUNABLE(first_scan),
	TUNABLE(merge_across_nodes),
};

static void check_tunable(const struct tunable *t)
{
	static const char * const junk[] = {
		"\n", "abc", "-1", "1.5", "0x10", " 3", "99999999999999999999999",
		NULL };
	char lo[32], hi[32];
	const char *out[3] = { hi, NULL, NULL };

	CHECK(t_sysfs(t->name) == t->def, "%s default %ld, want %ld", t->name,
	      t_sysfs(t->name), t->def);
	bad_writes(t->name, junk);
	snprintf(hi, sizeof(hi), "%ld", t->max + 1);
	snprintf(lo, sizeof(lo), "%ld", t->min - 1);
	if (t->min > 0)
		out[1] = lo;	/* below 0 is junk, tested above */
	bad_writes(t->name, out);
	/* Good writes take, at both ends of the range. */
	CHECK(t_sysfs_set(t->name, t->min) == 0 && t_sysfs(t->name) == t->min,
	      "%s min %ld", t->name, t->min);
	CHECK(t_sysfs_set(t->name, t->max) == 0 && t_sysfs(t->name) == t->max,
	      "%s max %ld", t->name, t->max);
	t_sysfs_set(t->name, t->def);
}

/* Read a sysfs file as a string, newline stripped. */
static const char *str(const char *name, char *buf, size_t size)
{
	char path[128];
	int n;

	snprintf(path, sizeof(path), DIR "%s", name);
	n = t_read_file(path, buf, size);
	if (n <= 0)
		return "";
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* String-valued tunables: thp_split and mem_thresholds. */
static void check_strings(void)
{
	static const char * const bad_thp[] = { "sometimes", "1", "never always", NULL };
	static const char * const bad_thr[] = {
		"6 4 2", "6 4 2 1 0", "6 4 4 1", "1 2 3 4", "100 4 2 1",
		"6 4 2 -1", "6 4 2 x", "4294967302 4 2 1", NULL };
	char buf[128], before[128];
	const char * const *v;

	CHECK(!strcmp(str("thp_split", buf, sizeof(buf)),
		      "never [pressure] always"), "thp_split default \"%s\"", buf);
	CHECK(t_write_file(DIR "thp_split", "always") == 0 &&
	      !strcmp(str("thp_split", buf, sizeof(buf)),
		      "never pressure [always]"), "thp_split always: \"%s\"", buf);
	CHECK(t_write_file(DIR "thp_split", "never\n") == 0 &&
	      !strcmp(str("thp_split", buf, sizeof(buf)),
		      "[never] pressure always"), "thp_split never: \"%s\"", buf);
	for (v = bad_thp; *v; v++) {
		errno = 0;
		CHECK(t_write_file(DIR "thp_split", *v) == -1 && errno == EINVAL,
		      "thp_split <- \"%s\": errno %d", *v, errno);
	}
	CHECK(!strcmp(str("thp_split", buf, sizeof(buf)),
		      "[never] pressure always"), "thp_split changed: \"%s\"", buf);
	t_write_file(DIR "thp_split", "pressure");

	CHECK(!strcmp(str("mem_thresholds", buf, sizeof(buf)), "6 4 2 1"),
	      "mem_thresholds default \"%s\"", buf);
	str("mem_thresholds", before, sizeof(before));
	for (v = bad_thr; *v; v++) {
		errno = 0;
		CHECK(t_write_file(DIR "mem_thresholds", *v) == -1 &&
		      errno == EINVAL, "mem_thresholds <- \"%s\": errno %d", *v,
		      errno);
	}
	CHECK(!strcmp(str("mem_thresholds", buf, sizeof(buf)), before),
	      "mem_thresholds changed: \"%s\"", buf);
	CHECK(t_write_file(DIR "mem_thresholds", "50 40 30 0") == 0 &&
	      !strcmp(str("mem_thresholds", buf, sizeof(buf)), "50 40 30 0"),
	      "mem_thresholds write: \"%s\"", buf);
	t_write_file(DIR "mem_thresholds", "6 4 2 1");
	str("memory_state", buf, sizeof(buf));
	CHECK(!strcmp(buf, "high") || !strcmp(buf, "soft") ||
	      !strcmp(buf, "hard") || !strcmp(buf, "low"),
	      "memory_state \"%s\"", buf);
}

int main(void)
{
	static const char * const junk[] = {
		"\n", "abc", "-1", "1.5", "0x10", " 3", "99999999999999999999999",
		NULL };
	static const char * const bad_run[] = { "4", "5", "100", NULL };
	static const char * const ro[] = {
		"full_scans", "version", "pages_shared", "pages_sharing",
		"pages_unshared", "pages_volatile", "pages_skipped",
		"zero_pages_sharing", "metadata_bytes", "general_profit",
		"pages_scanned", "pages_merged", "pages_hashed", "sample_misses",
		"thp_scanned", "thp_skipped", "thp_splits", "thp_split_candidates",
		"thp_dup_subpages", "cpu_throttled", "shrinker_calls",
		"memory_state", "memory_state_entries", "cpu_mhz",
		"scan_cap_pages", "scan_rate_pages", "scan_cpu_msecs",
		"estimate_pages", "estimate_zero_pages", NULL };
	const char * const *f;
	unsigned int i;
	struct stat st;

	t_start("sysfs");
	/* Defaults, as documented. */
	CHECK(t_sysfs("run") == PSHARE_TUN_DEF_run, "run default %ld",
	      t_sysfs("run"));
	CHECK(t_sysfs("full_scans") >= 0, "full_scans unreadable");
	CHECK(t_sysfs("pages_skipped") >= 0, "pages_skipped unreadable");
	CHECK(t_sysfs("cpu_mhz") > 0, "cpu_mhz %ld", t_sysfs("cpu_mhz"));
	bad_writes("run", junk);
	bad_writes("run", bad_run);
	/*
	 * merge_across_nodes changes only while nothing is merged (EBUSY
	 * else): run 2 unmerges what an earlier test may have left, and
	 * keeps pshared from merging until run 1 below.
	 */
	CHECK(t_sysfs_set("run", 2) == 0, "run 2: %s", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(tunables); i++)
		check_tunable(&tunables[i]);
	check_strings();
	CHECK(t_sysfs_set("run", 0) == 0 && t_sysfs("run") == 0, "run 0");
	CHECK(t_sysfs_set("run", 2) == 0 && t_sysfs("run") == 2, "run 2");
	CHECK(t_sysfs_set("run", 3) == 0 && t_sysfs("run") == 3, "run 3");
	CHECK(t_sysfs_set("run", 1) == 0 && t_sysfs("run") == 1, "run 1");

	/* Read-only files refuse writes. */
	for (f = ro; *f; f++) {
		char path[128];

		snprintf(path, sizeof(path), DIR "%s", *f);
		CHECK(stat(path, &st) == 0 && !(st.st_mode & 0222),
		      "%s is writable", *f);
		CHECK(t_write_file(path, "1") == -1, "%s accepted a write", *f);
	}
	return t_end();
}
