/*
 * mapped.c — file mappings, with the Unix server as the pager of its files
 * (server_int.h; Mach's design: the file server is the external pager).
 *
 * A file that is mapped gets a memory object port (struct file_pager, its
 * receive right in the server's port set); mmap maps it into the process's
 * task with vm_map at the file offset, and each mapping becomes a kernel
 * object of its own (INIT names it and gives its control port). A fault on
 * a page the object lacks sends DATA_REQUEST here: the answer is the
 * file's bytes at that offset (zeros past its end), one DATA_SUPPLY of one
 * page each. A MAP_SHARED writable mapping is mapped with
 * VM_MAP_RETURN_PAGES: when it ends (munmap, exit, exec) the kernel returns
 * its pages (DATA_RETURN), and the bytes inside the file are written back
 * (file_pagers_drain takes them before munmap, exit or exec answers);
 * TERMINATE then drops the object, and the last one the port. execve maps
 * the program's pages the same way (file_map_exec, private).
 *
 * The server is the pager of pages it also copies in and out of processes
 * (a read into a mapped buffer): the kernel does not let its vm_read or
 * vm_write wait for it (KERN_PAGER_SELF, the request queued), and
 * proc_vm_read / proc_vm_write serve the pagers and try again.
 *
 * What this model does not give (Linux's page cache does): while a shared
 * writable mapping lives, read and write on the file do not see its
 * stores, nor do other mappings of the file (each mapping is an object of
 * its own); a page is read from the file when first touched, so later
 * writes to the file show in pages not touched yet only.
 */
#include "server_int.h"
#include <mach/memory_object.h>

#define UNIX_FILE_PAGERS_MAX   32     /* files mapped at once */
#define UNIX_PAGER_OBJECTS_MAX 128    /* mappings of files at once (kernel objects) */
#define SUPPLY_PAGES_MAX       16     /* pages one DATA_REQUEST is answered with */

struct file_pager {
	struct fs_node *node;          /* held; NULL: the slot is free */
	mach_port_name_t port;         /* the memory object port: receive and send rights */
	uint32_t objects;              /* its mappings not yet terminated */
};

struct pager_object {
	uint64_t id;                   /* the kernel's name for it (INIT); 0: free */
	mach_port_name_t control;      /* its control port: answers go there */
	struct file_pager *fp;
};

static struct file_pager file_pagers[UNIX_FILE_PAGERS_MAX];
static struct pager_object pager_objects[UNIX_PAGER_OBJECTS_MAX];
static uint32_t objects_live;          /* mappings made and not terminated, all files */
static char *supply_page;              /* the page an answer carries (the kernel copies it) */

/* The pager of node, made if there is none yet; NULL when out of slots or ports. */
static struct file_pager *file_pager_of(struct fs_node *node)
{
	struct file_pager *free = NULL;

	for (int i = 0; i < UNIX_FILE_PAGERS_MAX; i++) {
		if (file_pagers[i].node == node)
			return &file_pagers[i];
		if (!file_pagers[i].node && !free)
			free = &file_pagers[i];
	}
	if (!free)
		return NULL;
	if (mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &free->port))
		return NULL;
	if (mk_port_insert_right(MACH_PORT_TASK_SELF, free->port, free->port,
				 MACH_MSG_TYPE_MAKE_SEND) ||
	    mk_port_move_member(MACH_PORT_TASK_SELF, free->port, server_set)) {
		mk_port_destroy(MACH_PORT_TASK_SELF, free->port);
		return NULL;
	}
	fs_hold(node);
	free->node = node;
	free->objects = 0;
	return free;
}

/* A pager with no mapping left lets its file go. */
static void file_pager_idle(struct file_pager *fp)
{
	if (fp->objects)
		return;
	mk_port_destroy(MACH_PORT_TASK_SELF, fp->port);
	fs_release(fp->node);
	*fp = (struct file_pager){ 0 };
}

/*
 * Map size bytes of node from offset off into task at *at (how: FIXED or
 * ANYWHERE), a new object of node's pager, with protection prot; flags
 * VM_MAP_RETURN_PAGES for a shared writable mapping. KERN_RESOURCE_SHORTAGE
 * when out of pagers or objects.
 */
static kern_return_t file_map(struct fs_node *node, mach_port_name_t task, vm_address_t *at,
			      uint64_t size, uint64_t off, int how, vm_prot_t prot, int flags)
{
	struct file_pager *fp;
	kern_return_t kr;

	if (objects_live == UNIX_PAGER_OBJECTS_MAX || !(fp = file_pager_of(node)))
		return KERN_RESOURCE_SHORTAGE;
	if (!supply_page && !(supply_page = server_mem_alloc(UNIX_PAGE))) {
		file_pager_idle(fp);
		return KERN_RESOURCE_SHORTAGE;
	}
	kr = mk_vm_map(task, at, size, fp->port, off, how | flags);
	if (kr != KERN_SUCCESS) {
		file_pager_idle(fp);
		return kr;
	}
	fp->objects++;
	objects_live++;
	if (prot != LINUX_PROT_ALL && (kr = mk_vm_protect(task, *at, size, prot)) != KERN_SUCCESS)
		mk_vm_deallocate(task, *at, size);     /* (the object ends: TERMINATE follows) */
	return kr;
}

/* exec.c's map (struct unix_exec_file): a private mapping of the file ctx. */
kern_return_t file_map_exec(void *ctx, mach_port_name_t task, vm_address_t at, uint64_t size,
			    uint64_t off, vm_prot_t prot)
{
	return file_map(ctx, task, &at, size, off, VM_ALLOC_FIXED, prot, 0);
}

/*
 * mmap of a file (the descriptor fd, from offset off) at `at` (MAP_FIXED) or
 * anywhere: EBADF, EACCES (the descriptor's access mode does not allow
 * prot), ENODEV (not a regular file), EINVAL, ENOMEM (out of pagers).
 */
int64_t unix_mmap_file(struct unix_proc *p, vm_address_t at, uint64_t size, uint64_t prot,
		       uint64_t flags, uint64_t fd, uint64_t off)
{
	struct unix_file *f = fd_get(p, fd);
	bool shared = (flags & LINUX_MAP_SHARED) != 0;
	int how = (flags & LINUX_MAP_FIXED) ? VM_ALLOC_FIXED : VM_ALLOC_ANYWHERE;
	kern_return_t kr;

	if (!f)
		return -LINUX_EBADF;
	if (f->file != FILE_NODE || fs_kind(f->node) != FS_REG)
		return -LINUX_ENODEV;
	if (off % UNIX_PAGE || off + size < off)
		return -LINUX_EINVAL;
	if (!fd_readable(f) || (shared && (prot & LINUX_PROT_WRITE) && !fd_writable(f)))
		return -LINUX_EACCES;
	if (how == VM_ALLOC_FIXED)
		mk_vm_deallocate(p->task, at, size);    /* (nothing there is fine) */
	kr = file_map(f->node, p->task, &at, size, off, how, (vm_prot_t)prot,
		      shared && (prot & LINUX_PROT_WRITE) ? VM_MAP_RETURN_PAGES : 0);
	if (kr == KERN_SUCCESS && shared && mk_vm_inherit(p->task, at, size, VM_INHERIT_SHARE)) {
		mk_vm_deallocate(p->task, at, size);
		kr = KERN_RESOURCE_SHORTAGE;
	}
	return kr == KERN_SUCCESS ? (int64_t)at : kr == KERN_INVALID_ARGUMENT ? -LINUX_EINVAL :
	       -LINUX_ENOMEM;
}

/*
 * vm_read and vm_write on a process's memory, serving the file pagers
 * while the kernel says a page waits for them (KERN_PAGER_SELF: a page of
 * a file mapping the process has not touched; the server is its pager and
 * cannot wait for itself). Each round brings at least one page in.
 */
static inline kern_return_t proc_vm_transfer(bool into_task, mach_port_name_t task,
					     vm_address_t addr, void *buf, vm_size_t n)
{
	kern_return_t kr;

	for (uint64_t round = 0;
	     (kr = into_task ? mk_vm_write(task, addr, buf, n) : mk_vm_read(task, addr, buf, n)) ==
	     KERN_PAGER_SELF && round <= n / UNIX_PAGE + 1; round++)
		file_pagers_drain();
	return kr;
}

kern_return_t proc_vm_read(mach_port_name_t task, vm_address_t addr, void *buf, vm_size_t n)
{
	return proc_vm_transfer(false, task, addr, buf, n);
}

kern_return_t proc_vm_write(mach_port_name_t task, vm_address_t addr, const void *buf,
			    vm_size_t n)
{
	return proc_vm_transfer(true, task, addr, (void *)buf, n);
}

static struct pager_object *pager_object_find(uint64_t id)
{
	for (int i = 0; id && i < UNIX_PAGER_OBJECTS_MAX; i++)
		if (pager_objects[i].id == id)
			return &pager_objects[i];
	return NULL;
}

/* DATA_REQUEST: the file's bytes at offset (zeros past its end), a page a message. */
static void pager_supply(struct pager_object *o, uint64_t offset, uint64_t length)
{
	static struct {
		struct mach_msg_header h;
		struct mach_msg_type words_type;
		uint64_t offset;
		struct mach_msg_type ool_type;
		struct mach_msg_ool ool;
	} s;

	if (length > SUPPLY_PAGES_MAX * UNIX_PAGE)
		length = SUPPLY_PAGES_MAX * UNIX_PAGE;
	for (uint64_t at = 0; at < length; at += UNIX_PAGE) {
		uint64_t avail = 0;
		const char *bytes = fs_peek(o->fp->node, offset + at, &avail);

		if (!bytes || avail > UNIX_PAGE)
			avail = bytes ? UNIX_PAGE : 0;
		memcpy(supply_page, bytes, avail);
		memset(supply_page + avail, 0, UNIX_PAGE - avail);
		s.h = (struct mach_msg_header){
			.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
			.size = sizeof(s), .remote_port = o->control, .id = MEMORY_OBJECT_DATA_SUPPLY_ID,
		};
		s.words_type = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8,
						       .count = 1 };
		s.offset = offset + at;
		s.ool_type = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_OOL, .count = 1 };
		s.ool = (struct mach_msg_ool){ (uint64_t)supply_page, UNIX_PAGE };
		if (mk_mach_msg(&s.h, MACH_SEND_MSG, sizeof(s), 0, MACH_PORT_NULL, 0))
			return;
	}
}

/* DATA_RETURN of a shared writable mapping's page: its bytes inside the file go back. */
static void pager_return(struct pager_object *o, uint64_t offset, const struct mach_msg_ool *ool)
{
	uint64_t size = fs_size(o->fp->node);

	if (ool->address && ool->size == UNIX_PAGE && offset < size)
		fs_write(o->fp->node, (const void *)ool->address,
			 size - offset < UNIX_PAGE ? size - offset : UNIX_PAGE, offset);
}

/*
 * Take in what the file pagers' ports hold now (a mapping that just ended
 * has its pages there: munmap, exit and execve call this so the file holds
 * them before they answer). Nothing to do while no file is mapped.
 */
bool file_pagers_busy(void)
{
	return objects_live != 0;
}

void file_pagers_drain(void)
{
	static struct unix_call_msg m;

	for (int i = 0; objects_live && i < UNIX_FILE_PAGERS_MAX; i++) {
		while (file_pagers[i].node &&
		       mk_mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m),
				   file_pagers[i].port, 0) == MACH_MSG_SUCCESS)
			file_pager_serve(&m);
	}
}

/*
 * A message on one of the file pagers' ports (h->local_port): INIT,
 * DATA_REQUEST, DATA_RETURN, TERMINATE. False if the port is not a
 * pager's. Anything malformed is dropped.
 */
bool file_pager_serve(struct unix_call_msg *m)
{
	const struct mach_msg_type *t = &m->words_type, *t2;
	const uint64_t *w = m->words;
	struct file_pager *fp = NULL;
	struct pager_object *o;
	int64_t room;

	for (int i = 0; !fp && i < UNIX_FILE_PAGERS_MAX; i++)
		if (file_pagers[i].node && file_pagers[i].port == m->h.local_port)
			fp = &file_pagers[i];
	if (!fp)
		return false;
	if (m->h.size < offsetof(struct unix_call_msg, words) || t->kind != MACH_MSG_TYPE_INLINE ||
	    t->elem_size != 8 || t->count < 1 || t->count > UNIX_CALL_WORDS ||
	    m->h.size < offsetof(struct unix_call_msg, words) + 8 * t->count)
		return true;
	t2 = (const struct mach_msg_type *)(w + t->count);  /* (a second item, if any) */
	room = (const char *)m + m->h.size - (const char *)(t2 + 1);    /* (its contents' bytes) */
	switch (m->h.id) {
	case MEMORY_OBJECT_INIT_ID:                 /* size, id; ports: control */
		if (t->count == 2 && room >= (int64_t)sizeof(mach_port_name_t) &&
		    t2->kind == MACH_MSG_TYPE_PORTS && t2->count == 1) {
			mach_port_name_t control = *(const mach_port_name_t *)(t2 + 1);

			o = NULL;
			for (int i = 0; !o && i < UNIX_PAGER_OBJECTS_MAX; i++)
				if (!pager_objects[i].id)
					o = &pager_objects[i];
			if (o && w[1])
				*o = (struct pager_object){ w[1], control, fp };
			else
				mk_port_deallocate(MACH_PORT_TASK_SELF, control);
		}
		break;
	case MEMORY_OBJECT_DATA_REQUEST_ID:         /* offset, length, access, id */
		if (t->count == 4 && (o = pager_object_find(w[3])) && o->fp == fp)
			pager_supply(o, w[0], w[1]);
		break;
	case MEMORY_OBJECT_DATA_RETURN_ID:          /* offset, id; ool: the page */
		if (t->count == 2 && room >= (int64_t)sizeof(struct mach_msg_ool) &&
		    t2->kind == MACH_MSG_TYPE_OOL) {
			const struct mach_msg_ool *ool = (const struct mach_msg_ool *)(t2 + 1);

			if ((o = pager_object_find(w[1])) && o->fp == fp)
				pager_return(o, w[0], ool);
			mk_vm_deallocate(MACH_PORT_TASK_SELF, ool->address, ool->size);
		}
		break;
	case MEMORY_OBJECT_TERMINATE_ID:            /* id */
		if ((o = pager_object_find(w[0])) && o->fp == fp) {
			mk_port_deallocate(MACH_PORT_TASK_SELF, o->control);
			*o = (struct pager_object){ 0 };
			fp->objects--;
			objects_live--;
			file_pager_idle(fp);
		}
		break;
	}
	return true;
}
