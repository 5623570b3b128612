/*
 * msg_ool.h — how the whole pages of an out-of-line region reach the
 * receiver (one variant axis: MSG=copy|cow, DESIGN.md section 2).
 *
 * A region sent with MACH_MSG_OOL_DEALLOCATE moves in both values: the
 * sender's mapping goes and its objects travel with the message
 * (vm_copy_shared, then the sender's range is deallocated). A region sent
 * without it is, under MSG=cow, shared copy-on-write with the sender until
 * either side writes (vm_copy_shared), and under MSG=copy copied at send
 * time into fresh pages the receiver alone maps (vm_copy_physical). Partial
 * pages at the ends of an unaligned region are copied in both. The two
 * implementations are variants/msg-<value>/msg_ool.c.
 */
#ifndef MSG_OOL_H
#define MSG_OOL_H

#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/types.h>

struct vm_map;
struct vm_map_copy;

/* MSG_OOL_KIND_* (include/mach/types.h): what this kernel does with an OOL region. */
uint32_t msg_ool_kind(void);

/* Add to copy the whole pages [start, end) of map, sent without deallocate (no locks held). */
kern_return_t msg_ool_copy_pages(struct vm_map *map, vm_address_t start, vm_address_t end,
				 struct vm_map_copy *copy);

#endif
