/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest image for the nested QEMUs of tests/guest/t_qemu.sh and
 * t_preload.sh: a multiboot (v1) kernel, 4 KiB, booted with
 * "qemu-system-x86_64 -kernel nested-payload.bin" by SeaBIOS and QEMU's
 * multiboot option ROM, like any guest kernel.
 *
 * It fills guest-physical RAM from 4 MiB to 20 MiB (4096 pages) with
 * content that depends only on the address: each 32-bit word is
 * (address * 0x9e3779b1) ^ 0xa5a5a5a5, so every page differs from every
 * other page of the same guest (nothing to merge inside one VM) and every
 * guest that boots this image holds the same 4096 pages (all of it merges
 * across VMs of one domain). It then prints one line on COM1 and halts
 * with interrupts off: the vCPU sleeps, the VM's RAM stays as it is, and
 * the QEMU process uses no CPU.
 *
 * A real kernel would need at least ~80 MiB of guest RAM (the stock
 * Debian image decompresses to 63.6 MiB at 16 MiB), minutes of nested
 * TCG for its XZ decompression alone, and would keep running and
 * changing its pages.
 *
 * Build: as --32 -o payload.o nested-payload.S &&
 *        objcopy -O binary -j .text payload.o nested-payload.bin
 */
	.set	MB_MAGIC, 0x1badb002
	.set	MB_FLAGS, 0x00010000	/* the load addresses below are valid */
	.set	LOAD, 0x100000		/* where QEMU puts the image */
	.set	FILL_START, 0x400000
	.set	FILL_END, 0x1400000
	.set	COM1, 0x3f8

	.code32
	.text
header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
	.long	LOAD			/* header_addr: the header's address */
	.long	LOAD			/* load_addr: the file's start */
	.long	0			/* load_end_addr: the whole file */
	.long	0			/* bss_end_addr: no bss */
	.long	LOAD + (start - header)	/* entry_addr */

start:
	cli
	mov	$FILL_START, %edi
1:	mov	%edi, %eax
	imul	$0x9e3779b1, %eax, %eax
	xor	$0xa5a5a5a5, %eax
	mov	%eax, (%edi)
	add	$4, %edi
	cmp	$FILL_END, %edi
	jb	1b

	mov	$LOAD + (message - header), %esi
2:	movb	(%esi), %bl
	test	%bl, %bl
	jz	4f
	mov	$COM1 + 5, %dx		/* line status: wait for THR empty */
3:	in	%dx, %al
	test	$0x20, %al
	jz	3b
	mov	$COM1, %dx
	mov	%bl, %al
	out	%al, %dx
	inc	%esi
	jmp	2b

4:	hlt
	jmp	4b

message:
	.asciz	"pshare-nested-payload: 16 MiB filled, halting\n"
	.balign	4096, 0
