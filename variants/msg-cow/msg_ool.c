/*
 * msg_ool.c (MSG=cow) — out-of-line pages are shared copy-on-write: the
 * receiver maps the sender's frames, and the first write on either side
 * copies the page it touches (vm_fault.c). Sending costs no pages.
 */
#include "msg_ool.h"
#include "vm/vm_map.h"

uint32_t msg_ool_kind(void)
{
	return MSG_OOL_KIND_COW;
}

kern_return_t msg_ool_copy_pages(struct vm_map *map, vm_address_t start, vm_address_t end,
				 struct vm_map_copy *copy)
{
	return vm_copy_shared(map, start, end, copy);
}
