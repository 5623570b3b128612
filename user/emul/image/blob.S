/*
 * blob.S — the emulation library's image (build/user/emul-image.elf) as
 * data, for the programs that start Linux processes: the guest suite and
 * unix-run. The Makefile passes its path.
 */
	.section .rodata
	.balign 16
	.globl blob_emul_image, blob_emul_image_end
blob_emul_image:
	.incbin EMUL_IMAGE_PATH
blob_emul_image_end:
	.section .note.GNU-stack,"",@progbits
