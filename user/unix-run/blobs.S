/*
 * blobs.S — what unix-run carries until the Unix server has a file system:
 * bench/unix's unix-bench (a static musl program, built on the host) and
 * the emulation library's image. The Makefile passes their paths.
 */
	.section .rodata
	.balign 16
	.globl blob_unix_bench, blob_unix_bench_end
blob_unix_bench:
	.incbin UNIX_BENCH_PATH
blob_unix_bench_end:
	.balign 16
	.globl blob_emul_image, blob_emul_image_end
blob_emul_image:
	.incbin EMUL_IMAGE_PATH
blob_emul_image_end:
	.section .note.GNU-stack,"",@progbits
