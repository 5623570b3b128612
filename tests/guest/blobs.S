/*
 * blobs.S — binaries the guest suite carries: bench/unix's tiny and
 * tests/unix/hello and crash (static musl programs, built on the host), for
 * the exec tests (test_unix_exec.c), the Unix server's root archive there
 * (tests/unix/ROOT: tiny and hello again, as files), with the emulation library's image
 * (user/emul/image/blob.S). The Makefile passes their paths.
 */
	.section .rodata
	.balign 16
	.globl blob_tiny, blob_tiny_end
blob_tiny:
	.incbin TINY_PATH
blob_tiny_end:
	.balign 16
	.globl blob_hello, blob_hello_end
blob_hello:
	.incbin HELLO_PATH
blob_hello_end:
	.balign 16
	.globl blob_crash, blob_crash_end
blob_crash:
	.incbin CRASH_PATH
blob_crash_end:
	.balign 16
	.globl blob_test_root, blob_test_root_end
blob_test_root:
	.incbin TEST_ROOT_PATH
blob_test_root_end:
	.section .note.GNU-stack,"",@progbits
