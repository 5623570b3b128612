/*
 * list.h — intrusive circular doubly-linked lists.
 *
 * A struct list is both a list head and a link inside an element; an
 * unlinked link points at itself, so list_unlink is safe to repeat.
 */
#ifndef LIB_LIST_H
#define LIB_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
	struct list *next, *prev;
};

#define LIST_INIT(name) { &(name), &(name) }
#define list_entry(link, type, member) \
	((type *)((char *)(link) - offsetof(type, member)))
#define list_for_each(pos, head) \
	for (struct list *pos = (head)->next; pos != (head); pos = pos->next)
/* Safe against unlinking pos inside the body. */
#define list_for_each_safe(pos, head) \
	for (struct list *pos = (head)->next, *pos##_next = pos->next; \
	     pos != (head); pos = pos##_next, pos##_next = pos->next)

static inline void list_init(struct list *l)
{
	l->next = l->prev = l;
}

static inline bool list_empty(const struct list *l)
{
	return l->next == l;
}

static inline void list_insert_after(struct list *at, struct list *l)
{
	l->next = at->next;
	l->prev = at;
	at->next->prev = l;
	at->next = l;
}

static inline void list_push_back(struct list *head, struct list *l)
{
	list_insert_after(head->prev, l);
}

static inline void list_push_front(struct list *head, struct list *l)
{
	list_insert_after(head, l);
}

static inline void list_unlink(struct list *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	list_init(l);
}

static inline struct list *list_pop_front(struct list *head)
{
	struct list *l = head->next;

	if (l == head)
		return NULL;
	list_unlink(l);
	return l;
}

#endif
