/*
 * bootstrap.h — the kernel's bootstrap name service (see bootstrap.c).
 */
#ifndef KERN_BOOTSTRAP_H
#define KERN_BOOTSTRAP_H

struct port;

void bootstrap_init(void);
struct port *bootstrap_port_get(void);

#endif
