/*
 * memory_object.h — the external pager protocol.
 *
 * A user task can back memory with a memory object of its own: it holds
 * the receive right of a port (the memory object port) and gives a send
 * right to it to vm_map. The kernel then:
 *   - sends MEMORY_OBJECT_INIT once, carrying a send right to the object's
 *     control port (kernel-served; the kernel keeps its receive right);
 *   - on a fault on a page it does not hold, sends DATA_REQUEST (offset,
 *     length, access) to the memory object port, and the faulting thread
 *     waits (no map or object lock held) until the pager answers on the
 *     control port with DATA_SUPPLY (the data, out-of-line), DATA_UNAVAILABLE
 *     (zero fill) or DATA_ERROR (the fault fails), or until
 *     MEMORY_OBJECT_TIMEOUT_MS pass or the pager's port dies (both fail the
 *     fault: the task gets the page-fault exception);
 *   - sends TERMINATE when the object dies; first, for an object mapped
 *     with VM_MAP_RETURN_PAGES (a file server's shared mapping), one
 *     DATA_RETURN (offset, object id; the page out-of-line) for each page
 *     it still holds, as Mach returns dirty pages at termination (every
 *     resident page: the kernel keeps no dirty bit).
 * A fault served this way costs exactly two messages (KSTAT_PAGER_MESSAGES).
 *
 * The kernel ignores (and counts in KSTAT_PAGER_REPLIES_REFUSED) a reply
 * that is malformed or whose range is not whole pages inside the object:
 * offset and length page-aligned, length > 0, offset + length <= the
 * object's size without overflow, and for SUPPLY and UNAVAILABLE at most
 * MEMORY_OBJECT_REPLY_MAX_BYTES, so no reply can make the kernel loop long.
 *
 * Every message body is INLINE items of uint64_t words (and, for INIT a
 * PORTS item with the control right, for DATA_SUPPLY an OOL item). The
 * object id tells objects apart when one pager serves several through one
 * port, as the default pager does.
 *
 * The default pager (PAGER=user) is a user task that registered its port
 * with mk_set_default_pager: an anonymous object whose pages it is given
 * becomes one of its memory objects (INIT); pageout sends DATA_RETURN with
 * the page (one message), and a fault on the page asks for it back with
 * DATA_REQUEST and gets DATA_SUPPLY (two).
 */
#ifndef MACH_MEMORY_OBJECT_H
#define MACH_MEMORY_OBJECT_H

#define MEMORY_OBJECT_INIT_ID             2200  /* words: size, object id; ports: control (send) */
#define MEMORY_OBJECT_DATA_REQUEST_ID     2201  /* words: offset, length, access, object id */
#define MEMORY_OBJECT_TERMINATE_ID        2202  /* words: object id */
#define MEMORY_OBJECT_DATA_RETURN_ID      2203  /* words: offset, object id; ool: the page */
#define MEMORY_OBJECT_DATA_SUPPLY_ID      2210  /* words: offset; ool: the data (whole pages) */
#define MEMORY_OBJECT_DATA_UNAVAILABLE_ID 2211  /* words: offset, length */
#define MEMORY_OBJECT_DATA_ERROR_ID       2212  /* words: offset, length, error */

#define MEMORY_OBJECT_TIMEOUT_MS          2000  /* a fault waits this long for its pager */
#define MEMORY_OBJECT_REPLY_MAX_BYTES     (1u << 20)  /* most one SUPPLY or UNAVAILABLE may cover */

#endif
