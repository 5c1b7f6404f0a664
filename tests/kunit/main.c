// SPDX-License-Identifier: GPL-2.0-only
/* pshare KUnit: the test module that carries every pshare_* suite. */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for pshare");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
