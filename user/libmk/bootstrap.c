/*
 * bootstrap.c — client side of the bootstrap name service (protocol in
 * include/mach/kobject.h): one RPC per call on MACH_PORT_BOOTSTRAP.
 */
#include "mk.h"

struct bootstrap_request {
	struct mach_msg_header header;
	struct mach_msg_type name_type;
	char name[BOOTSTRAP_NAME_MAX];
	struct mach_msg_type port_type;
	mach_port_name_t port;
	uint32_t pad;
};

struct bootstrap_reply {
	struct mach_msg_header header;
	struct mach_msg_type kr_type;
	int32_t kr;
	uint32_t pad;
	struct mach_msg_type port_type;
	mach_port_name_t port;
	uint32_t pad2;
};

/* Send a request naming name (and carrying port, if not null); return the service's answer. */
static kern_return_t bootstrap_call(int id, const char *name, mach_port_name_t port,
				    mach_port_name_t *out)
{
	union { struct bootstrap_request req; struct bootstrap_reply rep; } u;
	size_t len = strlen(name) + 1;
	uint32_t name_bytes = (uint32_t)((len + 7) & ~7UL);
	mach_port_name_t reply;
	struct mach_msg_type *pt;
	mach_msg_return_t mr;
	uint32_t size;

	if (len > BOOTSTRAP_NAME_MAX)
		return KERN_INVALID_ARGUMENT;
	if ((mr = mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &reply)))
		return mr;
	memset(&u, 0, sizeof(u));
	u.req.name_type = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 1,
						  .count = (uint32_t)len };
	memcpy(u.req.name, name, len);
	size = sizeof(u.req.header) + sizeof(u.req.name_type) + name_bytes;
	if (port) {
		pt = (struct mach_msg_type *)((char *)&u.req + size);
		*pt = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_PORTS,
					      .disposition = MACH_MSG_TYPE_COPY_SEND, .count = 1 };
		*(mach_port_name_t *)(pt + 1) = port;
		size += sizeof(*pt) + 8;
	}
	u.req.header = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
			MACH_MSGH_BITS_COMPLEX,
		.remote_port = MACH_PORT_BOOTSTRAP, .local_port = reply, .id = id,
	};
	mr = mk_mach_msg(&u.req.header, MACH_SEND_MSG | MACH_RCV_MSG, size, sizeof(u), reply,
			 MACH_MSG_TIMEOUT_NONE);
	mk_port_destroy(MACH_PORT_TASK_SELF, reply);
	if (mr != MACH_MSG_SUCCESS)
		return mr;
	if (u.rep.kr == KERN_SUCCESS && out)
		*out = u.rep.header.size >= sizeof(u.rep) ? u.rep.port : MACH_PORT_NULL;
	return u.rep.kr;
}

/* Register a send right (made from port, which the caller holds send or receive for). */
kern_return_t mk_bootstrap_register(const char *name, mach_port_name_t port)
{
	mach_port_type_t type;

	if (mk_port_type(MACH_PORT_TASK_SELF, port, &type) != KERN_SUCCESS)
		return KERN_INVALID_NAME;
	if (!(type & MACH_PORT_TYPE_SEND)) {
		kern_return_t kr = mk_port_insert_right(MACH_PORT_TASK_SELF, port, port,
							MACH_MSG_TYPE_MAKE_SEND);
		if (kr != KERN_SUCCESS)
			return kr;
		kr = bootstrap_call(BOOTSTRAP_REGISTER_ID, name, port, NULL);
		mk_port_mod_refs(MACH_PORT_TASK_SELF, port, MACH_PORT_RIGHT_SEND, -1);
		return kr;
	}
	return bootstrap_call(BOOTSTRAP_REGISTER_ID, name, port, NULL);
}

kern_return_t mk_bootstrap_lookup(const char *name, mach_port_name_t *port)
{
	return bootstrap_call(BOOTSTRAP_LOOKUP_ID, name, MACH_PORT_NULL, port);
}
