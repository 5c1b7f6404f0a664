// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare operator tools: sysfs and /dev/pshare access, formatting and JSON
 * output shared by psharectl and psharetop.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "common.h"

/* The most processes PSHARE_IOC_LIST is asked for. */
#define PS_LIST_MAX	(1U << 20)

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* The pshare sysfs directory: $PSHARE_SYSFS or /sys/kernel/mm/pshare. */
const char *ps_sysfs_dir(void)
{
	return env_or("PSHARE_SYSFS", PS_SYSFS_DEFAULT);
}

/* The module's parameters: $PSHARE_PARAMS or /sys/module/pshare/parameters. */
const char *ps_params_dir(void)
{
	return env_or("PSHARE_PARAMS", PS_PARAMS_DEFAULT);
}

/* The device node: $PSHARE_DEV or /dev/pshare. */
const char *ps_dev_path(void)
{
	return env_or("PSHARE_DEV", PS_DEV_DEFAULT);
}

/**
 * ps_read_file() - read a small file, without its trailing newline
 * @dir: directory
 * @name: file in @dir
 * @buf: where the contents go, always NUL terminated
 * @len: size of @buf
 *
 * Return: 0, or a negative errno.
 */
int ps_read_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[4096];
	ssize_t n;
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/**
 * ps_write_file() - write a value and a newline with one write(), as sysfs
 * expects
 * @dir: directory
 * @name: file in @dir
 * @val: the value, without a newline
 *
 * Return: 0, or a negative errno (the kernel's answer to the write).
 */
int ps_write_file(const char *dir, const char *name, const char *val)
{
	char path[4096], line[PS_VALUE_MAX + 2];
	size_t len;
	ssize_t n;
	int fd, err = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	len = snprintf(line, sizeof(line), "%s\n", val);
	if (len >= sizeof(line))
		return -E2BIG;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, line, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* Read a signed decimal sysfs file of the pshare directory. */
int ps_read_s64(const char *name, int64_t *val)
{
	char buf[PS_VALUE_MAX], *end;
	long long v;
	int ret;

	ret = ps_read_file(ps_sysfs_dir(), name, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

/* A sysfs figure, or @fallback when it cannot be read. */
int64_t ps_get_s64(const char *name, int64_t fallback)
{
	int64_t v;

	return ps_read_s64(name, &v) ? fallback : v;
}

/* Open the device; a descriptor or a negative errno. */
int ps_open_dev(void)
{
	int fd = open(ps_dev_path(), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/**
 * ps_list() - the processes with registrations, from %PSHARE_IOC_LIST
 * @procs: on success, a malloc()ed array the caller frees
 * @nr: on success, its entries
 *
 * The device is opened for the call only: an open descriptor holds the
 * module, and a monitor must not keep it from being unloaded.
 *
 * Return: 0, or a negative errno of the open() or the ioctl().
 */
int ps_list(struct pshare_proc_info **procs, size_t *nr)
{
	struct pshare_proc_info *buf = NULL;
	uint32_t cap = 64;
	int fd, ret = -EAGAIN, tries;

	fd = ps_open_dev();
	if (fd < 0)
		return fd;
	/* Processes may come between two calls: retry with room to spare. */
	for (tries = 0; tries < 8; tries++) {
		struct pshare_list l;
		void *p = realloc(buf, (size_t)cap * sizeof(*buf));

		if (!p) {
			ret = -ENOMEM;
			break;
		}
		buf = p;
		memset(buf, 0, (size_t)cap * sizeof(*buf));
		memset(&l, 0, sizeof(l));
		l.procs = (uintptr_t)buf;
		l.count = cap;
		if (ioctl(fd, PSHARE_IOC_LIST, &l)) {
			ret = -errno;
			break;
		}
		if (l.count <= cap) {
			*procs = buf;
			*nr = l.count;
			close(fd);
			return 0;
		}
		if (l.count > PS_LIST_MAX) {
			ret = -E2BIG;
			break;
		}
		cap = l.count + 16;
	}
	free(buf);
	close(fd);
	return ret;
}

/*
 * A domain as the tools print it: a process's own domain (bit 63 set) as
 * "proc:N", a salt in decimal.
 */
void ps_domain_str(uint64_t domain, char *buf, size_t len)
{
	if (domain & PSHARE_DOMAIN_PROCESS)
		snprintf(buf, len, "proc:%" PRIu64,
			 (uint64_t)(domain & ~PSHARE_DOMAIN_PROCESS));
	else
		snprintf(buf, len, "%" PRIu64, domain);
}

/* PSHARE_PROC_* flags as a comma-separated list, "-" for none. */
void ps_flags_str(uint32_t flags, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ PSHARE_PROC_WHOLE, "whole" },
		{ PSHARE_PROC_DISABLED, "disabled" },
		{ PSHARE_PROC_MADVISE, "madvise" },
		{ PSHARE_PROC_MIXED, "mixed" },
	};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		flags &= ~names[i].bit;
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
				 used ? "," : "", names[i].name);
	}
	if (flags)	/* a flag this tool does not know */
		used += snprintf(buf + used, used < len ? len - used : 0,
				 "%s0x%x", used ? "," : "", flags);
	if (!used)
		snprintf(buf, len, "-");
}

long ps_page_size(void)
{
	static long page;

	if (!page) {
		page = sysconf(_SC_PAGESIZE);
		if (page <= 0)
			page = 4096;
	}
	return page;
}

/* Pages (of this machine's size) in MiB. */
double ps_mib(uint64_t pages)
{
	return (double)pages * ps_page_size() / 1048576.0;
}

/* A non-empty string of decimal digits only. */
bool ps_is_decimal(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * The choice in brackets of a sysfs file like "never [pressure] always",
 * copied to @buf; NULL if there is none.
 */
const char *ps_bracketed(const char *raw, char *buf, size_t len)
{
	const char *open = strchr(raw, '['), *close;

	if (!open)
		return NULL;
	close = strchr(open, ']');
	if (!close || (size_t)(close - open - 1) >= len)
		return NULL;
	memcpy(buf, open + 1, close - open - 1);
	buf[close - open - 1] = '\0';
	return buf;
}

/* A JSON string, quoted and escaped. */
void ps_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The integer that @s starts with, in @v: its end, or NULL if none. */
static const char *int_token(const char *s, long long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s) && !(*s == '-' && isdigit((unsigned char)s[1])))
		return NULL;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno)
		return NULL;
	return end;
}

/*
 * A sysfs value in JSON: an integer as a number, a list of integers as an
 * array, a "a [b] c" choice as the string "b", anything else as a string.
 */
void ps_json_value(FILE *f, const char *raw)
{
	char choice[PS_VALUE_MAX];
	long long vals[16];
	const char *p = raw;
	int n = 0;

	while (*p && n < 16) {
		p = int_token(p, &vals[n]);
		if (!p)
			break;
		n++;
		if (!*p)
			break;
		if (*p != ' ') {
			p = NULL;
			break;
		}
		while (*p == ' ')
			p++;
	}
	if (p && !*p && n == 1) {
		fprintf(f, "%lld", vals[0]);
	} else if (p && !*p && n > 1) {
		int i;

		fputc('[', f);
		for (i = 0; i < n; i++)
			fprintf(f, "%s%lld", i ? ", " : "", vals[i]);
		fputc(']', f);
	} else if (ps_bracketed(raw, choice, sizeof(choice))) {
		ps_json_str(f, choice);
	} else {
		ps_json_str(f, raw);
	}
}

/* One process of PSHARE_IOC_LIST as a JSON object on one line. */
void ps_json_proc(FILE *f, const struct pshare_proc_info *p,
		  const char *indent)
{
	char dom[32], flags[64], comm[sizeof(p->comm) + 1];

	memcpy(comm, p->comm, sizeof(p->comm));
	comm[sizeof(p->comm)] = '\0';
	ps_domain_str(p->domain, dom, sizeof(dom));
	ps_flags_str(p->flags, flags, sizeof(flags));
	fprintf(f, "%s{\"pid\": %d, \"comm\": ", indent, p->pid);
	ps_json_str(f, comm);
	fprintf(f, ", \"domain\": \"%s\", \"domain_value\": %" PRIu64
		", \"salt\": %" PRIu64 ", \"flags\": \"%s\", \"flags_value\": %u"
		", \"ranges\": %u", dom, (uint64_t)p->domain, (uint64_t)p->salt,
		flags, p->flags, p->nr_ranges);
	fprintf(f, ", \"registered\": %" PRIu64 ", \"shared\": %" PRIu64
		", \"sharing\": %" PRIu64 ", \"zero\": %" PRIu64
		", \"saved\": %" PRIu64 ", \"thp_held\": %" PRIu64
		", \"scanned\": %" PRIu64 ", \"est_saved\": %" PRIu64
		", \"est_zero\": %" PRIu64,
		(uint64_t)p->registered, (uint64_t)p->shared,
		(uint64_t)p->sharing, (uint64_t)p->zero, (uint64_t)p->saved,
		(uint64_t)p->thp_held, (uint64_t)p->scanned,
		(uint64_t)p->est_saved, (uint64_t)p->est_zero);
	fprintf(f, ", \"registered_mib\": %.2f, \"shared_mib\": %.2f"
		", \"sharing_mib\": %.2f, \"zero_mib\": %.2f"
		", \"saved_mib\": %.2f, \"thp_held_mib\": %.2f}",
		ps_mib(p->registered), ps_mib(p->shared), ps_mib(p->sharing),
		ps_mib(p->zero), ps_mib(p->saved), ps_mib(p->thp_held));
}
