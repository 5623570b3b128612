/*
 * boot.S — from Multiboot's 32-bit protected mode to the kernel's long mode.
 *
 * QEMU's -kernel loads us as a Multiboot v1 image (it refuses ELF64, so the
 * Makefile converts the linked kernel to ELF32; see kernel.ld). This stub:
 *   1. builds boot page tables mapping physical 0..4 GiB three times, with
 *      2 MiB pages: identity (only for the jump), the direct map at
 *      KERNEL_PHYS_MAP_BASE, and the kernel image at -2 GiB;
 *   2. enables PAE, long mode and paging, loads a 64-bit GDT;
 *   3. jumps to the higher half and calls kmain(magic, multiboot_info_phys).
 * kmain removes the identity mapping once it no longer needs it.
 */
#define KERNEL_VMA   0xFFFFFFFF80000000
#define PTE_P        0x1
#define PTE_W        0x2
#define PTE_PS       0x80
#define MB_MAGIC     0x1BADB002
#define MB_FLAGS     0x00000003          /* page-align modules, give memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .boot.text, "ax"
	.code32
	.globl boot_entry32
boot_entry32:
	cli
	movl %eax, %esi                      /* Multiboot magic */
	movl %ebx, %edi                      /* physical address of the info block */
	movl $(boot_stack_top - KERNEL_VMA), %esp

	/* Four page directories of 2 MiB pages: physical 0..4 GiB. */
	movl $(boot_pd - KERNEL_VMA), %ebx
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl  $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne  1b

	/* Direct map: boot_pdpt_phys[0..3] -> the four directories. */
	movl $(boot_pdpt_phys - KERNEL_VMA), %ebx
	movl $(boot_pd - KERNEL_VMA + PTE_P + PTE_W), %eax
	xorl %ecx, %ecx
2:	movl %eax, (%ebx, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jne  2b

	/* Identity (pml4[0]) and kernel image (pml4[511], pdpt[510]): first GiB. */
	movl $(boot_pd - KERNEL_VMA + PTE_P + PTE_W), %eax
	movl %eax, (boot_pdpt_low - KERNEL_VMA)
	movl %eax, (boot_pdpt_high - KERNEL_VMA + 510 * 8)

	movl $(boot_pml4 - KERNEL_VMA), %ebx
	movl $(boot_pdpt_low - KERNEL_VMA + PTE_P + PTE_W), %eax
	movl %eax, (%ebx)
	movl $(boot_pdpt_phys - KERNEL_VMA + PTE_P + PTE_W), %eax
	movl %eax, 256 * 8(%ebx)
	movl $(boot_pdpt_high - KERNEL_VMA + PTE_P + PTE_W), %eax
	movl %eax, 511 * 8(%ebx)

	movl %cr4, %eax
	orl  $0x20, %eax                     /* CR4.PAE */
	movl %eax, %cr4
	movl %ebx, %cr3
	movl $0xC0000080, %ecx               /* EFER */
	rdmsr
	orl  $0x100, %eax                    /* EFER.LME */
	wrmsr
	movl %cr0, %eax
	orl  $0x80000001, %eax               /* CR0.PG | CR0.PE */
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $boot_entry64

	.code64
boot_entry64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	movabsq $kmain, %rax
	call *%rax                           /* kmain(info_phys in edi, magic in esi) */
3:	hlt
	jmp 3b

	.section .boot.data, "aw"
	.align 8
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF              /* 0x08: 64-bit code */
	.quad 0x00CF92000000FFFF              /* 0x10: data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.align 4096
	.globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_phys: .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
	.align 16
boot_stack:     .skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
