/*
 * msg_ool.c (MSG=copy) — out-of-line pages are copied when the message is
 * sent, into fresh pages of a new object: the receiver never maps a frame
 * of the sender's, and nothing is copied on a later write. Sending costs a
 * page and a page copy per page of the region.
 */
#include "msg_ool.h"
#include "vm/vm_map.h"

uint32_t msg_ool_kind(void)
{
	return MSG_OOL_KIND_COPY;
}

kern_return_t msg_ool_copy_pages(struct vm_map *map, vm_address_t start, vm_address_t end,
				 struct vm_map_copy *copy)
{
	return vm_copy_physical(map, start, end, copy);
}
