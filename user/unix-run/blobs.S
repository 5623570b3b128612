/*
 * blobs.S — what unix-run carries until the Unix server has a file system:
 * bench/unix's unix-bench (a static musl program, built on the host), with
 * the emulation library's image (user/emul/image/blob.S). The Makefile
 * passes its path.
 */
	.section .rodata
	.balign 16
	.globl blob_unix_bench, blob_unix_bench_end
blob_unix_bench:
	.incbin UNIX_BENCH_PATH
blob_unix_bench_end:
	.section .note.GNU-stack,"",@progbits
