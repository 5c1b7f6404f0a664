/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pshare operator tools: what psharectl and psharetop share. Paths come
 * from the environment for testing: PSHARE_SYSFS, PSHARE_PARAMS and
 * PSHARE_DEV.
 */
#ifndef _PSHARE_TOOLS_COMMON_H
#define _PSHARE_TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/pshare.h>

#define PSHARE_TOOLS_VERSION	"0.1.0"

#define PS_SYSFS_DEFAULT	"/sys/kernel/mm/pshare"
#define PS_PARAMS_DEFAULT	"/sys/module/pshare/parameters"
#define PS_DEV_DEFAULT		"/dev/pshare"

/* Longest value of a sysfs file the tools read. */
#define PS_VALUE_MAX		256

const char *ps_sysfs_dir(void);
const char *ps_params_dir(void);
const char *ps_dev_path(void);

int ps_read_file(const char *dir, const char *name, char *buf, size_t len);
int ps_write_file(const char *dir, const char *name, const char *val);
int ps_read_s64(const char *name, int64_t *val);
int64_t ps_get_s64(const char *name, int64_t fallback);

int ps_open_dev(void);
int ps_list(struct pshare_proc_info **procs, size_t *nr);

void ps_domain_str(uint64_t domain, char *buf, size_t len);
void ps_flags_str(uint32_t flags, char *buf, size_t len);
double ps_mib(uint64_t pages);
long ps_page_size(void);

bool ps_is_decimal(const char *s);
const char *ps_bracketed(const char *raw, char *buf, size_t len);

void ps_json_str(FILE *f, const char *s);
void ps_json_value(FILE *f, const char *raw);
void ps_json_proc(FILE *f, const struct pshare_proc_info *p,
		  const char *indent);

#endif /* _PSHARE_TOOLS_COMMON_H */
