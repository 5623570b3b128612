/* linux_carve.c: bzImage -> vmlinux (see linux_carve.h). Owns the reading of
 * the x86 boot protocol header, the recognition of the payload's
 * compression, the run of xz(1) into a temporary that is renamed over the
 * output only once it proved to be a PVH-bootable ELF, and that ELF check. */
#include "linux_carve.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "proc.h"
#include "strlist.h"

/* The x86 boot protocol (Documentation/arch/x86/boot.rst): offsets in the file. */
#define BZ_SETUP_SECTS_AT 0x1f1      /* u8: 512-byte setup sectors after the boot sector */
#define BZ_MAGIC_AT 0x202            /* "HdrS" */
#define BZ_VERSION_AT 0x206          /* u16: protocol version, major << 8 | minor */
#define BZ_PAYLOAD_OFFSET_AT 0x248   /* u32: payload start, from the protected-mode code */
#define BZ_PAYLOAD_LENGTH_AT 0x24c   /* u32: payload bytes */
#define BZ_HEADER_END_BYTES 0x250    /* the header fields we read end here */
#define BZ_MAGIC "HdrS"
#define BZ_SECTOR_BYTES 512
#define BZ_SETUP_SECTS_IF_ZERO 4     /* old kernels wrote 0 for 4 */
#define BZ_PAYLOAD_MIN_VERSION 0x0208 /* payload fields exist from 2.08 */
#define BZ_FILE_MAX_BYTES (256u << 20) /* far beyond any real bzImage */
#define PVH_NOTE_NAME "Xen"          /* with its NUL: namesz 4 */
#define PVH_NOTE_TYPE 18             /* XEN_ELFNOTE_PHYS32_ENTRY */
#define NOTE_SEGMENT_MAX_BYTES (1u << 20)
#define ELF_PHDRS_MAX 256
#define CARVE_WHY_MAX_BYTES 256

/* A compression's name and the first bytes of its stream. */
static const struct carve_magic {
	const char *name;
	unsigned char bytes[6];
	size_t len;
} carve_magics[] = {
	{ .name = "xz", .bytes = { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }, .len = 6 },
	{ .name = "gzip", .bytes = { 0x1f, 0x8b }, .len = 2 },
	{ .name = "zstd", .bytes = { 0x28, 0xb5, 0x2f, 0xfd }, .len = 4 },
	{ .name = "bzip2", .bytes = { 'B', 'Z', 'h' }, .len = 3 },
	{ .name = "lzma", .bytes = { 0x5d, 0x00, 0x00 }, .len = 3 },
	{ .name = "lzo", .bytes = { 0x89, 'L', 'Z', 'O' }, .len = 4 },
	{ .name = "lz4", .bytes = { 0x02, 0x21, 0x4c, 0x18 }, .len = 4 },
};

/* Little-endian loads from the file image. */
static uint32_t carve_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t carve_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Reads the whole of path into a malloc'd buffer. */
static int carve_file_read(const char *path, unsigned char **data, size_t *bytes, char *err,
			   size_t err_bytes)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) < 0) {
		int e = errno;
		if (f)
			fclose(f);
		return errmsg_fail(err, err_bytes, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > BZ_FILE_MAX_BYTES) {
		fclose(f);
		return errmsg_fail(err, err_bytes, "%s: not a regular file of at most %u MiB", path,
				  BZ_FILE_MAX_BYTES >> 20);
	}
	*bytes = (size_t)st.st_size;
	*data = malloc(*bytes ? *bytes : 1);
	bool ok = *data && fread(*data, 1, *bytes, f) == *bytes;
	fclose(f);
	if (!ok) {
		free(*data);
		return errmsg_fail(err, err_bytes, "%s: cannot read it", path);
	}
	return 0;
}

/* Finds the payload in the bzImage image[0..bytes): its start and length. */
static int carve_payload_find(const unsigned char *image, size_t bytes, uint64_t *start,
			      uint32_t *length, char *why, size_t why_bytes)
{
	if (bytes < BZ_MAGIC_AT + 4 || memcmp(image + BZ_MAGIC_AT, BZ_MAGIC, 4) != 0)
		return errmsg_fail(why, why_bytes, "not a Linux bzImage (no HdrS magic at 0x%x)",
				  BZ_MAGIC_AT);
	if (bytes < BZ_HEADER_END_BYTES)
		return errmsg_fail(why, why_bytes, "truncated: the boot header ends at byte %u but "
				  "the file has %zu", BZ_HEADER_END_BYTES, bytes);
	unsigned version = carve_le16(image + BZ_VERSION_AT);
	if (version < BZ_PAYLOAD_MIN_VERSION)
		return errmsg_fail(why, why_bytes, "boot protocol %u.%02u has no payload fields "
				  "(they came in 2.08)", version >> 8, version & 0xff);
	unsigned setup_sects = image[BZ_SETUP_SECTS_AT];
	setup_sects = setup_sects ? setup_sects : BZ_SETUP_SECTS_IF_ZERO;
	*start = (uint64_t)(setup_sects + 1) * BZ_SECTOR_BYTES +
		 carve_le32(image + BZ_PAYLOAD_OFFSET_AT);
	*length = carve_le32(image + BZ_PAYLOAD_LENGTH_AT);
	if (*start + *length > bytes)
		return errmsg_fail(why, why_bytes, "truncated: payload ends at byte %llu but the "
				  "file has %zu", (unsigned long long)(*start + *length), bytes);
	return 0;
}

/* Checks the payload is an xz stream, naming any other compression it knows. */
static int carve_payload_check_xz(const unsigned char *payload, uint32_t length, char *why,
				  size_t why_bytes)
{
	for (size_t i = 0; i < sizeof carve_magics / sizeof carve_magics[0]; i++) {
		const struct carve_magic *m = &carve_magics[i];
		if (length < m->len || memcmp(payload, m->bytes, m->len) != 0)
			continue;
		if (strcmp(m->name, "xz") == 0)
			return 0;
		return errmsg_fail(why, why_bytes, "payload is %s, not xz", m->name);
	}
	if (length < carve_magics[0].len)
		return errmsg_fail(why, why_bytes, "payload is only %u bytes, not an xz stream",
				  length);
	return errmsg_fail(why, why_bytes, "payload is not xz (it starts with %02x %02x %02x %02x "
			  "%02x %02x)", payload[0], payload[1], payload[2], payload[3], payload[4],
			  payload[5]);
}

/* Looks for the PVH note among the notes in notes[0..bytes). */
static bool carve_notes_have_pvh(const unsigned char *notes, size_t bytes)
{
	size_t off = 0;
	while (off + 3 * sizeof(uint32_t) <= bytes) {
		uint32_t namesz = carve_le32(notes + off), descsz = carve_le32(notes + off + 4);
		uint32_t type = carve_le32(notes + off + 8);
		size_t name_at = off + 3 * sizeof(uint32_t);
		size_t desc_at = name_at + (((size_t)namesz + 3) & ~(size_t)3);
		if (namesz == sizeof PVH_NOTE_NAME && type == PVH_NOTE_TYPE &&
		    desc_at <= bytes && memcmp(notes + name_at, PVH_NOTE_NAME, namesz) == 0)
			return true;
		off = desc_at + (((size_t)descsz + 3) & ~(size_t)3);
	}
	return false;
}

/* Checks the ELF header read from a kernel: ELF64, little-endian, x86-64,
 * an executable with program headers of the usual size. */
static int carve_ehdr_check(const Elf64_Ehdr *eh, ssize_t got, char *why, size_t why_bytes)
{
	if (got < (ssize_t)EI_NIDENT || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return errmsg_fail(why, why_bytes, "is not an ELF file");
	if (got < (ssize_t)sizeof *eh || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return errmsg_fail(why, why_bytes, "is not ELF64");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return errmsg_fail(why, why_bytes, "is not little-endian");
	if (eh->e_machine != EM_X86_64)
		return errmsg_fail(why, why_bytes, "is for ELF machine %u, not x86-64 (%u)",
				  eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_EXEC)
		return errmsg_fail(why, why_bytes, "is not an executable (ELF type %u)", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > ELF_PHDRS_MAX)
		return errmsg_fail(why, why_bytes, "has no usable program headers (%u of %u bytes)",
				  eh->e_phnum, eh->e_phentsize);
	return 0;
}

/* Says whether the PT_NOTE segment ph of fd holds the PVH note. */
static int carve_segment_has_pvh(int fd, const Elf64_Phdr *ph, bool *found, char *why,
				 size_t why_bytes)
{
	if (ph->p_filesz > NOTE_SEGMENT_MAX_BYTES)
		return errmsg_fail(why, why_bytes, "has a %llu-byte note segment (at most %u)",
				  (unsigned long long)ph->p_filesz, NOTE_SEGMENT_MAX_BYTES);
	unsigned char *notes = malloc(ph->p_filesz ? ph->p_filesz : 1);
	if (!notes)
		return errmsg_fail(why, why_bytes, "is out of memory");
	ssize_t got = pread(fd, notes, ph->p_filesz, (off_t)ph->p_offset);
	*found = got == (ssize_t)ph->p_filesz && carve_notes_have_pvh(notes, ph->p_filesz);
	free(notes);
	if (got != (ssize_t)ph->p_filesz)
		return errmsg_fail(why, why_bytes, "is truncated inside a note segment");
	return 0;
}

/* Checks the open file fd is a PVH-bootable kernel ELF; why says what it is
 * not ("has no PVH entry note ..."), to follow the file's name. */
static int carve_elf_check(int fd, char *why, size_t why_bytes)
{
	Elf64_Ehdr eh = { 0 };
	ssize_t got = pread(fd, &eh, sizeof eh, 0);
	if (carve_ehdr_check(&eh, got, why, why_bytes) < 0)
		return -1;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		off_t at = (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph);
		if (pread(fd, &ph, sizeof ph, at) != (ssize_t)sizeof ph)
			return errmsg_fail(why, why_bytes, "is truncated in its program headers");
		bool found = false;
		if (ph.p_type == PT_NOTE && carve_segment_has_pvh(fd, &ph, &found, why, why_bytes) < 0)
			return -1;
		if (found)
			return 0;
	}
	return errmsg_fail(why, why_bytes, "has no PVH entry note (a \"Xen\" note of type %u, "
			  "XEN_ELFNOTE_PHYS32_ENTRY, in a PT_NOTE segment)", PVH_NOTE_TYPE);
}

/* Checks vmlinux_path is an ELF64 x86-64 executable with a PVH entry note,
 * which QEMU needs to boot it with -kernel. */
int linux_pvh_check(const char *vmlinux_path, char *err, size_t err_bytes)
{
	char why[CARVE_WHY_MAX_BYTES];
	int fd = open(vmlinux_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errmsg_fail(err, err_bytes, "%s: %s", vmlinux_path, strerror(errno));
	int rc = carve_elf_check(fd, why, sizeof why);
	close(fd);
	if (rc < 0)
		return errmsg_fail(err, err_bytes, "%s %s", vmlinux_path, why);
	return 0;
}

/* Writes bytes of data to a new file at path. */
static int carve_bytes_write(const char *path, const unsigned char *data, size_t bytes,
			     char *err, size_t err_bytes)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(data, 1, bytes, f) == bytes;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok) {
		unlink(path);
		return errmsg_fail(err, err_bytes, "%s: cannot write it: %s", path, strerror(errno));
	}
	return 0;
}

/* Runs xz -dc --single-stream on xz_path into out_path (the kernel stores
 * the uncompressed size after the stream, which --single-stream ignores). */
static int carve_xz_run(const char *xz_path, const char *out_path, char *why, size_t why_bytes)
{
	char *argv[] = { "sh", "-c", "exec xz -dc --single-stream -- \"$1\" > \"$2\"", "sh",
			 (char *)xz_path, (char *)out_path, NULL };
	struct strlist lines = { 0 };
	int code = proc_capture(argv, LINUX_XZ_TIMEOUT_MS, &lines);
	if (code != 0)
		errmsg_fail(why, why_bytes, "xz -dc failed on the payload (exit %d): %s", code,
			   lines.count ? lines.items[lines.count - 1] : "no output");
	strlist_free(&lines);
	return code == 0 ? 0 : -1;
}

/* Decompresses the xz payload into tmp_path next to the output and checks
 * the result; why says what went wrong. Leaves no payload file behind. */
static int carve_decompress(const unsigned char *payload, uint32_t length, const char *out,
			    const char *tmp_path, char *why, size_t why_bytes)
{
	char payload_path[4096];
	snprintf(payload_path, sizeof payload_path, "%s.payload.tmp", out);
	if (carve_bytes_write(payload_path, payload, length, why, why_bytes) < 0)
		return -1;
	int rc = carve_xz_run(payload_path, tmp_path, why, why_bytes);
	unlink(payload_path);
	if (rc < 0)
		return -1;
	int fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
	char elf_why[CARVE_WHY_MAX_BYTES];
	rc = fd < 0 ? errmsg_fail(elf_why, sizeof elf_why, "is missing") :
		      carve_elf_check(fd, elf_why, sizeof elf_why);
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		return errmsg_fail(why, why_bytes, "decompressed kernel %s", elf_why);
	return 0;
}

/* Carves the uncompressed kernel out of the bzImage at bzimage_path into
 * vmlinux_out (atomically: "<out>.tmp" renamed over it once checked). Errors
 * name the bzImage and say what is wrong with it. */
int linux_carve(const char *bzimage_path, const char *vmlinux_out, char *err, size_t err_bytes)
{
	unsigned char *image = NULL;
	size_t bytes = 0;
	if (carve_file_read(bzimage_path, &image, &bytes, err, err_bytes) < 0)
		return -1;
	char why[CARVE_WHY_MAX_BYTES * 2], tmp_path[4096];
	uint64_t start = 0;
	uint32_t length = 0;
	snprintf(tmp_path, sizeof tmp_path, "%s.tmp", vmlinux_out);
	int rc = carve_payload_find(image, bytes, &start, &length, why, sizeof why);
	if (rc == 0)
		rc = carve_payload_check_xz(image + start, length, why, sizeof why);
	if (rc == 0)
		rc = carve_decompress(image + start, length, vmlinux_out, tmp_path, why, sizeof why);
	free(image);
	if (rc == 0 && rename(tmp_path, vmlinux_out) < 0)
		rc = errmsg_fail(why, sizeof why, "cannot rename %s over %s: %s", tmp_path,
				vmlinux_out, strerror(errno));
	if (rc < 0) {
		unlink(tmp_path);
		return errmsg_fail(err, err_bytes, "%s: %s", bzimage_path, why);
	}
	return 0;
}
