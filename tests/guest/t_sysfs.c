// SPDX-License-Identifier: GPL-2.0-only
/* pshare guest test: sysfs files, defaults, and -EINVAL for bad writes. */
#include <sys/stat.h>
#include "tlib.h"

#define DIR "/sys/kernel/mm/pshare/"

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

int main(void)
{
	static const char * const junk[] = {
		"\n", "abc", "-1", "1.5", "0x10", " 3", "99999999999999999999999",
		NULL };
	static const char * const bad_run[] = { "3", "4", "100", NULL };
	static const char * const bad_pages[] = { "0", "1048577", NULL };
	static const char * const bad_sleep[] = { "3600001", NULL };
	static const char * const bad_share[] = { "0", "1", "65537", NULL };
	static const char * const ro[] = {
		"full_scans", "version", "pages_shared", "pages_sharing",
		"pages_unshared", "pages_volatile", "zero_pages_sharing",
		"metadata_bytes", "general_profit", NULL };
	const char * const *f;
	struct stat st;

	t_start("sysfs");
	/* Defaults, as documented. */
	CHECK(t_sysfs("run") == 1, "run default %ld", t_sysfs("run"));
	CHECK(t_sysfs("pages_to_scan") == 100, "pages_to_scan default %ld",
	      t_sysfs("pages_to_scan"));
	CHECK(t_sysfs("sleep_millisecs") == 20, "sleep_millisecs default %ld",
	      t_sysfs("sleep_millisecs"));
	CHECK(t_sysfs("full_scans") >= 0, "full_scans unreadable");

	bad_writes("run", junk);
	bad_writes("run", bad_run);
	bad_writes("pages_to_scan", junk);
	bad_writes("pages_to_scan", bad_pages);
	bad_writes("sleep_millisecs", junk);
	bad_writes("sleep_millisecs", bad_sleep);
	bad_writes("max_page_sharing", junk);
	bad_writes("max_page_sharing", bad_share);
	CHECK(t_sysfs("max_page_sharing") == 256, "max_page_sharing default %ld",
	      t_sysfs("max_page_sharing"));
	CHECK(t_sysfs_set("max_page_sharing", 2) == 0 &&
	      t_sysfs_set("max_page_sharing", 65536) == 0 &&
	      t_sysfs_set("max_page_sharing", 256) == 0, "max_page_sharing range");

	/* Good writes take, at both ends of each range. */
	CHECK(t_sysfs_set("pages_to_scan", 1) == 0 &&
	      t_sysfs("pages_to_scan") == 1, "pages_to_scan 1");
	CHECK(t_sysfs_set("pages_to_scan", 1048576) == 0 &&
	      t_sysfs("pages_to_scan") == 1048576, "pages_to_scan max");
	CHECK(t_sysfs_set("sleep_millisecs", 0) == 0 &&
	      t_sysfs("sleep_millisecs") == 0, "sleep 0");
	CHECK(t_sysfs_set("sleep_millisecs", 3600000) == 0 &&
	      t_sysfs("sleep_millisecs") == 3600000, "sleep max");
	CHECK(t_sysfs_set("run", 0) == 0 && t_sysfs("run") == 0, "run 0");
	CHECK(t_sysfs_set("run", 2) == 0 && t_sysfs("run") == 2, "run 2");
	CHECK(t_sysfs_set("run", 1) == 0 && t_sysfs("run") == 1, "run 1");
	t_sysfs_set("pages_to_scan", 100);
	t_sysfs_set("sleep_millisecs", 20);

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
