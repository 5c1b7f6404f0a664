// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare guest test: every bad REGISTER, UNREGISTER and QUERY gets its
 * documented errno, and leaves nothing registered behind.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

static int reg_raw(uint64_t start, uint64_t len, uint32_t flags,
		   uint32_t weight)
{
	struct pshare_register r = {
		.start = start, .length = len, .flags = flags,
		.weight = weight,
	};

	return ioctl(t_pshare_fd(), PSHARE_IOC_REGISTER, &r);
}

int main(void)
{
	char *mem = t_map(16), *hole, *shared, *file, *huge, *io;
	uint64_t m = (uintptr_t)mem;
	struct pshare_proc_stats st;
	int fd;

	t_start("errors");
	CHECK(mem, "mmap");
	if (!mem)
		return t_end();

	/* Malformed arguments: -EINVAL. */
	CHECK_ERRNO(reg_raw(m, 16 * PAGE_SZ, 1, 0), EINVAL);
	CHECK_ERRNO(reg_raw(m, 16 * PAGE_SZ, 0x80000000u, 0), EINVAL);
	CHECK_ERRNO(reg_raw(m, 16 * PAGE_SZ, 0, 10001), EINVAL);
	CHECK_ERRNO(reg_raw(m, 16 * PAGE_SZ, 0, 0xffffffffu), EINVAL);
	CHECK_ERRNO(reg_raw(m + 1, 15 * PAGE_SZ, 0, 0), EINVAL);
	CHECK_ERRNO(reg_raw(m, 100, 0, 0), EINVAL);
	CHECK_ERRNO(reg_raw(m, 0, 0, 0), EINVAL);
	CHECK_ERRNO(reg_raw(0xfffffffffffff000ULL, 0x2000, 0, 0), EINVAL);
	CHECK_ERRNO(reg_raw(m, 0xfffffffffffff000ULL, 0, 0), EINVAL);
	CHECK_ERRNO(reg_raw(0xffff888000000000ULL, PAGE_SZ, 0, 0), EINVAL);

	/* A hole, or nothing mapped at all: -ENOMEM, as madvise. */
	hole = t_map(3);
	munmap(hole + PAGE_SZ, PAGE_SZ);
	CHECK_ERRNO(t_register(hole, 3 * PAGE_SZ, 0), ENOMEM);
	CHECK_ERRNO(t_register(hole + PAGE_SZ, PAGE_SZ, 0), ENOMEM);

	/* More than four times RAM, mapped but never touched: -ENOSPC. */
	{
		size_t big = 5 * (size_t)t_meminfo("MemTotal") * 1024;
		void *huge = mmap(NULL, big, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);

		CHECK(huge != MAP_FAILED, "mmap %zu bytes", big);
		CHECK_ERRNO(t_register(huge, big, 0), ENOSPC);
		munmap(huge, big);
	}

	/* Not private anonymous memory: -EINVAL. */
	shared = mmap(NULL, 4 * PAGE_SZ, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK_ERRNO(t_register(shared, 4 * PAGE_SZ, 0), EINVAL);
	fd = open("/tmp/t_errors.file", O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 4 * PAGE_SZ) == 0, "file");
	file = mmap(NULL, 4 * PAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(file != MAP_FAILED, "file mmap");
	CHECK_ERRNO(t_register(file, 4 * PAGE_SZ, 0), EINVAL);
	t_write_file("/proc/sys/vm/nr_hugepages", "2");
	huge = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge != MAP_FAILED) {
		CHECK_ERRNO(t_register(huge, 2 << 20, 0), EINVAL);
		munmap(huge, 2 << 20);
	} else {
		printf("  (no hugetlb pages: hugetlb case not tried)\n");
	}
	t_write_file("/proc/sys/vm/nr_hugepages", "0");
	/* VM_IO | VM_PFNMAP: the legacy VGA window of /dev/mem. */
	fd = open("/dev/mem", O_RDWR);
	io = fd >= 0 ? mmap(NULL, PAGE_SZ, PROT_READ, MAP_SHARED, fd, 0xa0000) :
		MAP_FAILED;
	if (io != MAP_FAILED) {
		CHECK_ERRNO(t_register(io, PAGE_SZ, 0), EINVAL);
		munmap(io, PAGE_SZ);
	} else {
		printf("  (no /dev/mem mapping: VM_IO case not tried)\n");
	}

	/* Memory the kernel's KSM has: -EBUSY. */
	CHECK(madvise(mem + 8 * PAGE_SZ, 8 * PAGE_SZ, MADV_MERGEABLE) == 0,
	      "MADV_MERGEABLE: %s", strerror(errno));
	CHECK_ERRNO(t_register(mem, 16 * PAGE_SZ, 0), EBUSY);
	madvise(mem + 8 * PAGE_SZ, 8 * PAGE_SZ, MADV_UNMERGEABLE);

	/* Double and overlapping registrations: -EEXIST. */
	CHECK(t_register(mem, 8 * PAGE_SZ, 0) == 0, "register: %s",
	      strerror(errno));
	CHECK_ERRNO(t_register(mem, 8 * PAGE_SZ, 0), EEXIST);
	CHECK_ERRNO(t_register(mem + 4 * PAGE_SZ, 8 * PAGE_SZ, 0), EEXIST);
	CHECK(t_register(mem + 8 * PAGE_SZ, 8 * PAGE_SZ, 7) == 0,
	      "adjacent register: %s", strerror(errno));

	/* Bad pointers: -EFAULT. */
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_REGISTER, (void *)16), EFAULT);
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_UNREGISTER, (void *)16), EFAULT);
	CHECK_ERRNO(ioctl(t_pshare_fd(), PSHARE_IOC_QUERY, (void *)16), EFAULT);

	/* Unregister: cutting a registration -EINVAL, none there -ENOENT. */
	CHECK_ERRNO(t_unregister(mem, 4 * PAGE_SZ), EINVAL);
	CHECK_ERRNO(t_unregister(mem + 4 * PAGE_SZ, 8 * PAGE_SZ), EINVAL);
	CHECK_ERRNO(t_unregister(mem + 1, 8 * PAGE_SZ), EINVAL);
	CHECK_ERRNO(t_unregister(mem, 0), EINVAL);
	CHECK_ERRNO(t_unregister(hole, 3 * PAGE_SZ), ENOENT);
	CHECK(t_query(&st) == 0 && st.registered == 16, "registered %llu",
	      st.registered);
	CHECK(t_unregister(mem, 16 * PAGE_SZ) == 0, "unregister both: %s",
	      strerror(errno));
	CHECK_ERRNO(t_unregister(mem, 16 * PAGE_SZ), ENOENT);

	/* Nothing is left registered, and nothing is held. */
	CHECK(t_query(&st) == 0 && st.registered == 0, "registered %llu",
	      st.registered);
	t_expect_stat("metadata_bytes", 0);
	return t_end();
}
